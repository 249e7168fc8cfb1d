# attack: set the clocks: clock_settime(REALTIME), settimeofday, adjtimex and
#    clock_adjtime changing the frequency (to the value they have: harmless)
# why: no CAP_SYS_TIME, and seccomp refuses clock setting
# expect-result: all(v == "EPERM" for v in result.values())
# expect-result: len(result) == 4
# timeout: 3

import ctypes
import errno
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_ADJTIMEX, NR_SETTIMEOFDAY, NR_CLOCK_SETTIME, NR_CLOCK_ADJTIME = 159, 164, 227, 305
ADJ_FREQUENCY = 0x0002


class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("pad0", ctypes.c_int), ("offset", ctypes.c_long),
                ("freq", ctypes.c_long), ("rest", ctypes.c_long * 30)]


def main():
    now = time.time()
    ts = (ctypes.c_long * 2)(int(now), 0)
    tv = (ctypes.c_long * 2)(int(now), 0)
    current = Timex()
    libc.syscall(ctypes.c_long(NR_ADJTIMEX), ctypes.byref(current))  # modes 0: read only
    tx = Timex(modes=ADJ_FREQUENCY, freq=current.freq)
    return {"clock_settime": call(NR_CLOCK_SETTIME, 0, ctypes.byref(ts)),
            "settimeofday": call(NR_SETTIMEOFDAY, ctypes.byref(tv), None),
            "adjtimex": call(NR_ADJTIMEX, ctypes.byref(tx)),
            "clock_adjtime": call(NR_CLOCK_ADJTIME, 0, ctypes.byref(tx))}
