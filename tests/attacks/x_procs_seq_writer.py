# attack: leave a daemonized process (setsid, double fork) that outlives the
#    execution, for the next one to find (or to spy on it)
# pair: procs-seq writer
# expect-result: result == "left"
# timeout: 4

import os
import time


def main():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/usr/bin/sleep", ["sleep", "9.75"])
        os._exit(0)
    os.wait()
    time.sleep(0.2)
    return "left"
