# attack: double-fork a daemonized grandchild (setsid) that sleeps for a
#    minute, then return at once
# why: the answer comes when main() returns; the pid namespace takes the
#    grandchild down with the runner (no_leaks checks no sandbox process remains)
# expect-result: result["daemonized"] is True
# max-seconds: 6
# timeout: 10

import os
import time


def main():
    r, w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.close(r)
            os.write(w, b"up")
            os.close(w)
            time.sleep(60)
            os._exit(0)
        os._exit(0)
    os.close(w)
    up = os.read(r, 2) == b"up"
    os.wait()
    return {"daemonized": up}
