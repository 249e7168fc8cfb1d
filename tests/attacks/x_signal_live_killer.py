# attack: while another execution runs, SIGKILL every pid from 2 to 4096 and
#    kill(-1, SIGKILL), five rounds over 2.5 s
# why: only its own pid namespace is in reach: every pid is ESRCH, the other
#    execution survives (its expect-result) and the daemon too (no_leaks)
# pair: signal-live killer
# start: +0.5
# expect-result: result["hit"] == [] and result["minus1"] == ["ESRCH"]
# expect-pair: any(results["victim"]["at"] < t < results["victim"]["until"] for t in result["times"])
# timeout: 6

import errno
import os
import signal
import time


def main():
    hit, minus1, times = set(), set(), []
    for _ in range(5):
        times.append(time.time())
        for pid in range(2, 4097):
            try:
                os.kill(pid, signal.SIGKILL)
                hit.add(pid)
            except OSError:
                pass
        try:
            os.kill(-1, signal.SIGKILL)
            minus1.add("OK")
        except OSError as e:
            minus1.add(errno.errorcode.get(e.errno, "?"))
        time.sleep(0.5)
    return {"times": times, "hit": sorted(hit), "minus1": sorted(minus1)}
