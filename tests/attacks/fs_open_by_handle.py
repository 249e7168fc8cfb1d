# attack: name_to_handle_at + open_by_handle_at (the "shocker" escape): build a
#    handle for inode 2 of the /usr file system and open it
# why: seccomp refuses both calls (and CAP_DAC_READ_SEARCH is gone anyway)
# expect-result: result["name_to_handle_at"] in ("EPERM", "ENOSYS", "EOPNOTSUPP")
# expect-result: result["open_by_handle_at"] in ("EPERM", "ENOSYS")
# timeout: 3

import ctypes
import errno
import os

NR_NAME_TO_HANDLE_AT, NR_OPEN_BY_HANDLE_AT = 303, 304  # x86_64
AT_FDCWD = -100


class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int),
                ("f_handle", ctypes.c_ubyte * 128)]


def err(rc):
    return "OK" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    h = FileHandle()
    h.handle_bytes = 128
    mount_id = ctypes.c_int()
    rc1 = libc.syscall(ctypes.c_long(NR_NAME_TO_HANDLE_AT), ctypes.c_long(AT_FDCWD),
                       ctypes.c_char_p(b"/usr/bin/env"), ctypes.byref(h), ctypes.byref(mount_id),
                       ctypes.c_long(0))
    r1 = err(rc1)
    # The shocker handle: ext4 type 1 (FILEID_INO32_GEN), inode 2, generation 0.
    forged = FileHandle()
    forged.handle_bytes, forged.handle_type = 8, 1
    forged.f_handle[0] = 2
    mfd = os.open("/usr", os.O_RDONLY | os.O_DIRECTORY)
    rc2 = libc.syscall(ctypes.c_long(NR_OPEN_BY_HANDLE_AT), ctypes.c_long(mfd), ctypes.byref(forged),
                       ctypes.c_long(os.O_RDONLY | os.O_DIRECTORY))
    r2 = err(rc2)
    if rc2 >= 0:
        r2 = "OPENED: " + ",".join(sorted(os.listdir("/proc/self/fd/%d" % rc2))[:20])
    os.close(mfd)
    return {"name_to_handle_at": r1, "open_by_handle_at": r2}
