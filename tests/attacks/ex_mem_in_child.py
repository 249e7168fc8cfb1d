# attack: a forked child allocates without bound while the parent waits
# why: the limit covers every process of the execution; the child must die
#    (or the whole run end as memory_limit), and never take memory from the host
# expect-result: result["signal"] == 9
# expect-error: memory_limit
# memory: 64
# timeout: 5

import os


def main():
    pid = os.fork()
    if pid == 0:
        hoard = []
        for _ in range(4096):
            hoard.append(bytearray(1 << 20))
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}
