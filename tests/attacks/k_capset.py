# attack: regain capabilities: capset() all of them, raise ambient
#    CAP_SYS_ADMIN, change securebits, clear no_new_privs, PR_SET_MM
# why: every set (including the bounding set) is empty and no_new_privs is
#    sticky: nothing can bring a capability back
# expect-result: result["capset"] == "EPERM" and result["ambient"] == "EPERM"
# expect-result: result["securebits"] == "EPERM" and result["clear_nnp"] == "EINVAL"
# expect-result: result["set_mm"] in ("EPERM", "EINVAL")
# expect-result: result["status"] == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0, "NoNewPrivs": 1}
# expect-result: result["bounding_sys_admin"] == 0
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


NR_CAPSET = 126
PR_CAPBSET_READ, PR_SET_NO_NEW_PRIVS, PR_SET_SECUREBITS, PR_SET_MM = 23, 38, 28, 35
PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 47, 2
CAP_SYS_ADMIN = 21


def prctl(*args):
    rc = libc.prctl(*[ctypes.c_ulong(a) for a in args])
    return "OK" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def main():
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)(*([0xffffffff] * 6))  # effective, permitted, inheritable x2
    status = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key.startswith("Cap"):
            status[key] = int(value, 16)
        elif key == "NoNewPrivs":
            status[key] = int(value)
    return {
        "capset": call(NR_CAPSET, ctypes.byref(header), ctypes.byref(data)),
        "ambient": prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0),
        "securebits": prctl(PR_SET_SECUREBITS, 0, 0, 0, 0),
        "clear_nnp": prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0),
        "set_mm": prctl(PR_SET_MM, 1, 0x10000, 0, 0),
        "bounding_sys_admin": libc.prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0),
        "status": status,
    }
