# attack: io_uring: set up a ring, enter and register on it
# why: seccomp refuses the three io_uring calls (they bypass per-syscall filtering)
# expect-result: result == {"setup": "EPERM", "enter": "EPERM", "register": "EPERM"}
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


NR_IO_URING_SETUP, NR_IO_URING_ENTER, NR_IO_URING_REGISTER = 425, 426, 427


def main():
    params = (ctypes.c_uint8 * 120)()
    return {"setup": call(NR_IO_URING_SETUP, 8, ctypes.byref(params)),
            "enter": call(NR_IO_URING_ENTER, 0, 1, 0, 0, None, 0),
            "register": call(NR_IO_URING_REGISTER, 0, 0, None, 0)}
