# attack: sethostname / setdomainname, directly and through /proc/sys/kernel
# why: its own uts namespace, but no CAP_SYS_ADMIN there; the name stays "pyexec"
# expect-result: result["sethostname"] == "EPERM" and result["setdomainname"] == "EPERM"
# expect-result: result["hostname"] == "pyexec"
# timeout: 3

import ctypes
import errno
import socket

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_SETHOSTNAME, NR_SETDOMAINNAME = 170, 171


def main():
    return {"sethostname": call(NR_SETHOSTNAME, b"owned", 5),
            "setdomainname": call(NR_SETDOMAINNAME, b"owned", 5),
            "hostname": socket.gethostname()}
