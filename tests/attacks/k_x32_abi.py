# attack: dodge the seccomp filter through the x32 ABI: the same calls with
#    bit 30 set (unshare, mount, ptrace, bpf, keyctl, socket(AF_INET))
# why: the filter must match on the full number (or the kernel has no x32):
#    each fails, with ENOSYS or EPERM; or the process is killed
# expect-result: all(v in ("ENOSYS", "EPERM", "EINVAL") for v in result.values())
# expect-error: killed
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


X32 = 0x40000000
CALLS = {"unshare": (272, 0x10000000), "mount": (165, b"none", b"/tmp", b"tmpfs", 0, None),
         "ptrace": (101, 0, 0, None, None), "bpf": (321, 0, None, 0),
         "keyctl": (250, 0, -3, 1), "socket inet": (41, 2, 1, 0)}


def main():
    return {name: call(X32 | args[0], *args[1:]) for name, args in CALLS.items()}
