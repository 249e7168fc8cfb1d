# attack: every socket family number from 0 to 63, with every socket type,
#    through libc socket() and socketpair() (vsock, bluetooth, alg, xdp,
#    key, tipc, rds, can...); AF_UNIX as the control
# why: only AF_UNIX is allowed: all others EAFNOSUPPORT, whatever the type
# expect-result: result["created"] == [] and result["other_errors"] == {}
# expect-result: result["unix"] == ["OK", "OK"]
# timeout: 4

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


TYPES = {"stream": 1, "dgram": 2, "raw": 3, "rdm": 4, "seqpacket": 5, "packet": 10}


def main():
    created, other = [], {}
    for family in range(64):
        if family == 1:  # AF_UNIX
            continue
        for tname, kind in TYPES.items():
            fd = libc.socket(family, kind, 0)
            if fd >= 0:
                os.close(fd)
                created.append("%d/%s" % (family, tname))
            else:
                name = errno.errorcode.get(ctypes.get_errno(), "?")
                if name != "EAFNOSUPPORT":
                    other["%d/%s" % (family, tname)] = name
            pair = (ctypes.c_int * 2)()
            if libc.socketpair(family, kind, 0, pair) == 0:
                os.close(pair[0])
                os.close(pair[1])
                created.append("pair %d/%s" % (family, tname))
            elif errno.errorcode.get(ctypes.get_errno()) != "EAFNOSUPPORT":
                other["pair %d/%s" % (family, tname)] = errno.errorcode.get(ctypes.get_errno())
    fd = libc.socket(1, 1, 0)
    unix = ["OK" if fd >= 0 else "FAILED"]
    if fd >= 0:
        os.close(fd)
    pair = (ctypes.c_int * 2)()
    unix.append("OK" if libc.socketpair(1, 1, 0, pair) == 0 else "FAILED")
    return {"created": created, "other_errors": other, "unix": unix}
