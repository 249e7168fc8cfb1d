# attack: while another execution runs marked processes, list /proc and
#    every readable cmdline for them, ten times over 2.5 s
# why: its own pid namespace: /proc lists only its own processes
# pair: procs-live looker
# start: +0.5
# expect-result: result["pids"] == [1] and result["marked"] == []
# expect-pair: any(results["holder"]["at"] < t < results["holder"]["until"] for t in result["times"])
# timeout: 6

import os
import time


def main():
    pids, marked, times = set(), set(), []
    for _ in range(10):
        times.append(time.time())
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pids.add(int(name))
            try:
                if b"7.25" in open("/proc/%s/cmdline" % name, "rb").read():
                    marked.add(int(name))
            except OSError:
                pass
        time.sleep(0.25)
    return {"times": times, "pids": sorted(pids), "marked": sorted(marked)}
