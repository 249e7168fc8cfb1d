# attack: while another execution runs, look for its files in /tmp and
#    /dev/shm, ten times over 2.5 s
# why: each execution has its own tmpfs mounts; the sample times prove the
#    two ran at the same time
# pair: tmp-live reader
# start: +0.5
# expect-result: result["seen"] == []
# expect-pair: any(results["writer"]["at"] < t < results["writer"]["until"] for t in result["times"])
# timeout: 6

import os
import time


def main():
    seen, times = set(), []
    for _ in range(10):
        times.append(time.time())
        for d in ("/tmp", "/dev/shm"):
            seen.update(d + "/" + n for n in os.listdir(d))
        time.sleep(0.25)
    return {"times": times, "seen": sorted(seen)}
