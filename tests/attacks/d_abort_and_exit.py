# attack: os.abort() from a child and os._exit(0) from main before returning
# why: the runner never reports: no_result, well-formed
# expect-error: no_result
# timeout: 3

import os


def main():
    pid = os.fork()
    if pid == 0:
        os.abort()
    os.waitpid(pid, 0)
    os._exit(0)
