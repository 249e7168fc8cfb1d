# attack: reboot (with a wrong magic number: harmless wherever it runs),
#    swapon a file in /tmp, swapoff
# expect-result: result == {"reboot": "EPERM", "swapon": "EPERM", "swapoff": "EPERM"}
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


NR_SWAPON, NR_SWAPOFF, NR_REBOOT = 167, 168, 169


def main():
    with open("/tmp/swap", "wb") as f:
        f.write(b"\0" * 65536)
    return {"reboot": call(NR_REBOOT, 0x1, 0x2, 0x3, None),
            "swapon": call(NR_SWAPON, b"/tmp/swap", 0),
            "swapoff": call(NR_SWAPOFF, b"/tmp/swap")}
