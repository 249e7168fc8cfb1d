# attack: ignore SIGTERM (and SIGINT, SIGHUP) then sleep past the timeout
# expect-error: timeout
# timeout: 2

import signal
import time


def main():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    time.sleep(60)
    return "survived"
