# attack: kill(-1, SIGKILL) from the runner and from a child, kill(1) from a
#    child, with a few sleeping children as the only victims in reach
# why: kill(-1) reaches only the jail's pid namespace; its init (the runner)
#    ignores signals from inside it (a child's kill(1) is delivered and
#    dropped; its kill(-1) then finds nobody but init and itself: ESRCH);
#    the daemon must stay healthy (no_leaks)
# expect-result: result["victims_killed"] == [9, 9, 9]
# expect-result: result["child"] == {"kill 1": "OK", "kill -1": "ESRCH"} and result["runner_alive"] is True
# timeout: 4

import errno
import os
import signal
import time


def sleepers(n):
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)
    return pids


def main():
    pids = sleepers(3)
    os.kill(-1, signal.SIGKILL)
    killed = []
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        killed.append(os.WTERMSIG(st) if os.WIFSIGNALED(st) else None)
    # Now from a child: kill(-1) and kill(1) aimed at the runner itself.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        res = []
        for target in (1, -1):
            try:
                os.kill(target, signal.SIGKILL)
                res.append("OK")
            except OSError as e:
                res.append(errno.errorcode.get(e.errno, "?"))
        os.write(w, " ".join(res).encode())
        os._exit(0)
    os.close(w)
    child = dict(zip(("kill 1", "kill -1"), os.read(r, 64).decode().split()))
    os.waitpid(pid, 0)
    return {"victims_killed": killed, "child": child, "runner_alive": True}
