# attack: SIGSTOP itself, then sleep past the timeout
# why: a stopped (or, as pid 1, unstoppable) process is still killed at the timeout
# expect-error: timeout
# timeout: 2

import os
import signal
import time


def main():
    os.kill(os.getpid(), signal.SIGSTOP)
    time.sleep(60)
    return "continued"
