# attack: block and ignore every catchable signal in parent and children, then spin
# expect-error: timeout
# timeout: 2

import os
import signal


def main():
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    for _ in range(3):
        if os.fork() == 0:
            break
    while True:
        pass
