# attack: the classic fork bomb: every process forks for ever
# why: contained by pids.max, then the timeout kills the whole tree
#    (no_leaks then checks that no sandbox process is left on the host)
# expect-error: timeout
# timeout: 2
# memory-incidental: the subject is pids.max and the timeout; 64 processes must fit

import os
import time


def main():
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
