# attack: ptrace: PTRACE_TRACEME, then PTRACE_ATTACH and PTRACE_SEIZE on its
#    own child
# why: seccomp refuses ptrace outright, even within the jail
# expect-result: result == {"traceme": "EPERM", "attach": "EPERM", "seize": "EPERM"}
# timeout: 3

import ctypes
import errno
import os
import signal
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_PTRACE = 101
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206


def main():
    out = {"traceme": call(NR_PTRACE, PTRACE_TRACEME, 0, None, None)}
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        out["attach"] = call(NR_PTRACE, PTRACE_ATTACH, pid, None, None)
        out["seize"] = call(NR_PTRACE, PTRACE_SEIZE, pid, None, None)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return out
