# attack: a grab-bag of privileged calls: acct, quotactl, vhangup, nice -20,
#    SCHED_FIFO, real-time I/O priority, mlock beyond RLIMIT_MEMLOCK, nfsservctl
# why: none of them may succeed without capabilities
# expect-result: all(v != "OK" for v in result.values())
# expect-result: len(result) == 8
# timeout: 3
# memory-incidental: the 64 MB buffer only gives mlock something to lock

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


NR_ACCT, NR_QUOTACTL, NR_VHANGUP, NR_NFSSERVCTL = 163, 179, 153, 180
NR_SETPRIORITY, NR_SCHED_SETSCHEDULER, NR_IOPRIO_SET, NR_MLOCK = 141, 144, 251, 149
Q_SYNC = 0x800001


def main():
    param = ctypes.c_int(50)
    big = ctypes.create_string_buffer(64 << 20)
    return {
        "acct": call(NR_ACCT, b"/tmp/acct"),
        "quotactl": call(NR_QUOTACTL, Q_SYNC, b"/dev/vda", 0, None),
        "vhangup": call(NR_VHANGUP),
        "nfsservctl": call(NR_NFSSERVCTL, 0, None, None),
        "nice -20": call(NR_SETPRIORITY, 0, 0, -20),
        "SCHED_FIFO": call(NR_SCHED_SETSCHEDULER, 0, 1, ctypes.byref(param)),
        "ioprio RT": call(NR_IOPRIO_SET, 1, 0, (1 << 13) | 0),
        "mlock 64M": call(NR_MLOCK, ctypes.addressof(big), 64 << 20),
    }
