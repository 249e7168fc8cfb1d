# attack: run marked processes (sleep 7.25) while another execution looks
#    for them
# pair: procs-live holder
# expect-result: len(result["pids"]) == 4
# timeout: 7

import os
import subprocess
import time


def main():
    kids = [subprocess.Popen(["/usr/bin/sleep", "7.25"]) for _ in range(3)]
    at = time.time()
    time.sleep(3.0)
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    until = time.time()
    for k in kids:
        k.kill()
        k.wait()
    return {"at": at, "until": until, "pids": pids}
