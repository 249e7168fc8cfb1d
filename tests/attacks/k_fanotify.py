# attack: fanotify_init (watch every file access on a mount); inotify as the control
# expect-result: result == {"fanotify_init": "EPERM", "inotify": "OK"}
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


NR_FANOTIFY_INIT, NR_INOTIFY_INIT1 = 300, 294
FAN_CLASS_NOTIF = 0


def main():
    fd = libc.syscall(ctypes.c_long(NR_INOTIFY_INIT1), ctypes.c_long(0))
    if fd >= 0:
        os.close(fd)
    return {"fanotify_init": call(NR_FANOTIFY_INIT, FAN_CLASS_NOTIF, os.O_RDONLY),
            "inotify": "OK" if fd >= 0 else "FAILED"}
