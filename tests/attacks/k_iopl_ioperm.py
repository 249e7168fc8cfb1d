# attack: raw I/O port access: iopl(3) and ioperm on the PC speaker/POST ports
# expect-result: result == {"iopl": "EPERM", "ioperm": "EPERM"}
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


NR_IOPL, NR_IOPERM = 172, 173


def main():
    return {"iopl": call(NR_IOPL, 3), "ioperm": call(NR_IOPERM, 0x80, 1, 1)}
