# attack: a child SIGSTOPs itself and the parent waits for it for ever
# why: the timeout must kill a stopped process too; no_leaks checks it is gone
# expect-error: timeout
# timeout: 2

import os
import signal


def main():
    pid = os.fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGSTOP)
        os._exit(0)
    os.waitpid(pid, 0)
    return "child ended"
