# attack: mount: a tmpfs on /tmp/m, a read-write remount of /usr and of /,
#    detaching /proc and /usr, pivot_root, and the new mount API (open_tree,
#    fsopen, fspick, move_mount, mount_setattr)
# why: seccomp refuses the whole mount family
# expect-result: all(v == "EPERM" for v in result.values())
# expect-result: len(result) == 12
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


NR_MOUNT, NR_UMOUNT2, NR_PIVOT_ROOT = 165, 166, 155
NR_OPEN_TREE, NR_MOVE_MOUNT, NR_FSOPEN, NR_FSPICK, NR_MOUNT_SETATTR = 428, 429, 430, 433, 442
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
MNT_DETACH, AT_FDCWD, OPEN_TREE_CLONE = 2, -100, 1


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def main():
    os.mkdir("/tmp/m")
    os.mkdir("/tmp/old")
    attr = MountAttr(attr_clr=1)  # MOUNT_ATTR_RDONLY: make it writable
    return {
        "mount tmpfs": call(NR_MOUNT, b"none", b"/tmp/m", b"tmpfs", 0, None),
        "remount /usr rw": call(NR_MOUNT, None, b"/usr", None, MS_REMOUNT | MS_BIND, None),
        "remount / rw": call(NR_MOUNT, None, b"/", None, MS_REMOUNT, None),
        "bind /proc/1/root": call(NR_MOUNT, b"/proc/1/root", b"/tmp/m", None, MS_BIND, None),
        "umount /proc": call(NR_UMOUNT2, b"/proc", MNT_DETACH),
        "umount /usr": call(NR_UMOUNT2, b"/usr", MNT_DETACH),
        "move_mount": call(NR_MOVE_MOUNT, AT_FDCWD, b"/usr", AT_FDCWD, b"/tmp/m", 0),
        "pivot_root": call(NR_PIVOT_ROOT, b"/tmp", b"/tmp/old"),
        "open_tree": call(NR_OPEN_TREE, AT_FDCWD, b"/usr", OPEN_TREE_CLONE),
        "fsopen": call(NR_FSOPEN, b"tmpfs", 0),
        "fspick": call(NR_FSPICK, AT_FDCWD, b"/usr", 0),
        "mount_setattr": call(NR_MOUNT_SETATTR, AT_FDCWD, b"/usr", 0, ctypes.byref(attr),
                              ctypes.sizeof(attr)),
    }
