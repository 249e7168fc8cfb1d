# attack: chroot() to /tmp (the first step of the classic chroot escape), and
#    to / itself
# expect-result: result == {"chroot /tmp": "EPERM", "chroot /": "EPERM"}
# timeout: 3

import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_CHROOT = 161


def main():
    return {"chroot /tmp": call(NR_CHROOT, b"/tmp"), "chroot /": call(NR_CHROOT, b"/")}
