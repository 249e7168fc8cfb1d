# attack: read and clear the kernel log: syslog(READ_ALL), syslog(CLEAR),
#    syslog(SIZE_BUFFER), /dev/kmsg, /proc/kmsg
# expect-result: all(v in ("EPERM", "EACCES", "ENOENT") for v in result.values())
# expect-result: result["READ_ALL"] == "EPERM" and result["CLEAR"] == "EPERM"
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


NR_SYSLOG = 103


def opened(path):
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        return "OPENED"
    except OSError as e:
        return errno.errorcode.get(e.errno, "?")


def main():
    buf = ctypes.create_string_buffer(4096)
    return {"READ_ALL": call(NR_SYSLOG, 3, buf, 4096), "CLEAR": call(NR_SYSLOG, 5, None, 0),
            "SIZE_BUFFER": call(NR_SYSLOG, 10, None, 0),
            "/dev/kmsg": opened("/dev/kmsg"), "/proc/kmsg": opened("/proc/kmsg")}
