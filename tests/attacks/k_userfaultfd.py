# attack: userfaultfd() (a kernel race-widening tool), also via /dev/userfaultfd
# expect-result: result["syscall"] == "EPERM" and result["user_mode_only"] == "EPERM"
# expect-result: result["device"] == "ENOENT"
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


NR_USERFAULTFD = 323
O_CLOEXEC, UFFD_USER_MODE_ONLY = 0o2000000, 1


def main():
    try:
        os.close(os.open("/dev/userfaultfd", os.O_RDWR))
        device = "OPENED"
    except OSError as e:
        device = errno.errorcode.get(e.errno, "?")
    return {"syscall": call(NR_USERFAULTFD, O_CLOEXEC),
            "user_mode_only": call(NR_USERFAULTFD, O_CLOEXEC | UFFD_USER_MODE_ONLY),
            "device": device}
