# attack: TIOCSTI (push characters into a terminal's input) on fds 0, 1, 2,
#    and open /dev/tty or a new pty
# why: the jail has no terminal, and seccomp refuses TIOCSTI
# expect-result: all(v in ("EPERM", "ENOTTY", "EIO") for v in result["tiocsti"].values())
# expect-result: result["tty"] in ("ENOENT", "ENXIO") and result["pty"] in ("ENOENT", "ENXIO")
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


NR_IOCTL, TIOCSTI = 16, 0x5412


def opened(path):
    try:
        os.close(os.open(path, os.O_RDWR))
        return "OPENED"
    except OSError as e:
        return errno.errorcode.get(e.errno, "?")


def main():
    ch = ctypes.c_char(b"x")
    return {"tiocsti": {fd: call(NR_IOCTL, fd, TIOCSTI, ctypes.byref(ch)) for fd in (0, 1, 2)},
            "tty": opened("/dev/tty"), "pty": opened("/dev/ptmx")}
