# attack: reach into another process without ptrace: process_vm_readv and
#    process_vm_writev on its child, kcmp, pidfd_getfd of the child's stdout
# why: seccomp refuses all four (pidfd_open itself may work)
# expect-result: result["process_vm_readv"] == "EPERM" and result["process_vm_writev"] == "EPERM"
# expect-result: result["kcmp"] == "EPERM" and result["pidfd_getfd"] in ("EPERM", "no pidfd")
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


NR_PROCESS_VM_READV, NR_PROCESS_VM_WRITEV, NR_KCMP = 310, 311, 312
NR_PIDFD_OPEN, NR_PIDFD_GETFD = 434, 438
KCMP_FILE = 0


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def main():
    secret = ctypes.create_string_buffer(b"child's memory", 64)
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        local = ctypes.create_string_buffer(64)
        liov = IOVec(ctypes.addressof(local), 64)
        riov = IOVec(ctypes.addressof(secret), 64)  # same address in the forked child
        out = {"process_vm_readv": call(NR_PROCESS_VM_READV, pid, ctypes.byref(liov), 1,
                                        ctypes.byref(riov), 1, 0),
               "process_vm_writev": call(NR_PROCESS_VM_WRITEV, pid, ctypes.byref(liov), 1,
                                         ctypes.byref(riov), 1, 0),
               "kcmp": call(NR_KCMP, os.getpid(), pid, KCMP_FILE, 1, 1)}
        pidfd = libc.syscall(ctypes.c_long(NR_PIDFD_OPEN), ctypes.c_long(pid), ctypes.c_long(0))
        if pidfd >= 0:
            out["pidfd_getfd"] = call(NR_PIDFD_GETFD, pidfd, 1, 0)
            os.close(pidfd)
        else:
            out["pidfd_getfd"] = "no pidfd"
        return out
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
