# attack: a non-daemon thread spins for ever; an atexit handler and a
#    finalizer hang; main() returns at once
# expect-result: result == "returned"
# max-seconds: 6
# timeout: 10

import atexit
import threading
import time


class Sticky:
    def __del__(self):
        time.sleep(60)


def spin():
    while True:
        time.sleep(0.01)


STICKY = Sticky()


def main():
    threading.Thread(target=spin).start()
    atexit.register(time.sleep, 60)
    return "returned"
