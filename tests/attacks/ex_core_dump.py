# attack: make a child dump core (SIGSEGV, SIGABRT, SIGQUIT) into /tmp, where
#    a core of a forked copy would hold everything the parent had in memory
# why: RLIMIT_CORE is 0: no core file, the exit status says no core was dumped
# expect-result: result["signals"] == [11, 6, 3] and result["cored"] == [False, False, False]
# expect-result: result["files"] == []
# timeout: 4

import ctypes
import os
import signal


def main():
    signals, cored = [], []
    for how in ("segv", "abort", "quit"):
        pid = os.fork()
        if pid == 0:
            for sig in (signal.SIGQUIT, signal.SIGABRT, signal.SIGSEGV):
                signal.signal(sig, signal.SIG_DFL)  # a warm runner starts with SIGQUIT ignored
            if how == "segv":
                ctypes.string_at(16, 8)
            elif how == "abort":
                os.abort()
            os.kill(os.getpid(), signal.SIGQUIT)
            os._exit(0)
        _, st = os.waitpid(pid, 0)
        signals.append(os.WTERMSIG(st) if os.WIFSIGNALED(st) else None)
        cored.append(os.WCOREDUMP(st))
    return {"signals": signals, "cored": cored,
            "files": [n for n in os.listdir("/tmp") if n.startswith("core")]}
