# attack: leave a child that keeps stdout and stderr open and keeps writing
# why: the daemon must answer when main() returns, not wait for EOF on the pipes
# expect-result: result == "returned"
# max-seconds: 6
# timeout: 10

import os
import time


def main():
    if os.fork() == 0:
        for _ in range(600):
            os.write(1, b"still here\n")
            os.write(2, b"still here\n")
            time.sleep(0.1)
        os._exit(0)
    return "returned"
