# attack: create namespaces through clone(): raw clone with CLONE_NEWUSER and
#    each other namespace flag, and clone3 (whose flags seccomp cannot see)
# why: seccomp refuses clone with namespace flags (EPERM) and clone3 (ENOSYS,
#    so libc falls back to clone); plain fork still works
# expect-result: all(v == "EPERM" for v in result["clone"].values())
# expect-result: result["clone3"] == "ENOSYS" and result["fork"] == "OK"
# timeout: 3

import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_CLONE, NR_CLONE3 = 56, 435
SIGCHLD = 17
FLAGS = {"user": 0x10000000, "mnt": 0x00020000, "net": 0x40000000, "pid": 0x20000000,
         "ipc": 0x08000000, "uts": 0x04000000, "cgroup": 0x02000000}


class CloneArgs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("flags", "pidfd", "child_tid", "parent_tid",
                                               "exit_signal", "stack", "stack_size", "tls")]


def clone(flags):
    # No new stack: the child (if any) runs on a copy of ours, like fork().
    rc = libc.syscall(ctypes.c_long(NR_CLONE), ctypes.c_long(flags | SIGCHLD), ctypes.c_long(0),
                      None, None, ctypes.c_long(0))
    if rc == 0:
        os._exit(0)
    if rc > 0:
        os.waitpid(rc, 0)
        return "CREATED"
    return errno.errorcode.get(ctypes.get_errno(), "?")


def main():
    out = {"clone": {name: clone(flag) for name, flag in FLAGS.items()}}
    args = CloneArgs(flags=0x10000000, exit_signal=SIGCHLD)
    rc = libc.syscall(ctypes.c_long(NR_CLONE3), ctypes.byref(args), ctypes.c_long(ctypes.sizeof(args)))
    if rc == 0:
        os._exit(0)
    out["clone3"] = "CREATED" if rc > 0 else errno.errorcode.get(ctypes.get_errno(), "?")
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    out["fork"] = "OK" if os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 7 else "broken"
    return out
