# attack: perf_event_open() on itself: a software clock counter and a
#    hardware cycle counter, for this process and for all processes on CPU 0
# why: seccomp refuses perf_event_open (a rich kernel attack surface)
# expect-result: all(v == "EPERM" for v in result.values())
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


NR_PERF_EVENT_OPEN = 298


class PerfAttr(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint32), ("size", ctypes.c_uint32),
                ("config", ctypes.c_uint64), ("rest", ctypes.c_uint8 * 112)]


def main():
    out = {}
    for name, kind, config, pid, cpu in (("sw-self", 1, 0, 0, -1), ("hw-self", 0, 0, 0, -1),
                                         ("sw-cpu0-all", 1, 0, -1, 0)):
        attr = PerfAttr(type=kind, size=ctypes.sizeof(PerfAttr), config=config)
        out[name] = call(NR_PERF_EVENT_OPEN, ctypes.byref(attr), pid, cpu, -1, 0)
    return out
