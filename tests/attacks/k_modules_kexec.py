# attack: load and unload kernel modules and kexec a new kernel:
#    init_module, finit_module, delete_module, kexec_load, kexec_file_load
# expect-result: all(v == "EPERM" for v in result.values())
# expect-result: len(result) == 5
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


NR_INIT_MODULE, NR_DELETE_MODULE, NR_FINIT_MODULE = 175, 176, 313
NR_KEXEC_LOAD, NR_KEXEC_FILE_LOAD = 246, 320
O_NONBLOCK = 0o4000


def main():
    image = ctypes.create_string_buffer(b"\x7fELF" + b"\0" * 60)
    fd = os.open("/usr/bin/env", os.O_RDONLY)
    try:
        return {
            "init_module": call(NR_INIT_MODULE, image, ctypes.sizeof(image), b""),
            "finit_module": call(NR_FINIT_MODULE, fd, b"", 0),
            "delete_module": call(NR_DELETE_MODULE, b"pyexec_attack_nonexistent", O_NONBLOCK),
            "kexec_load": call(NR_KEXEC_LOAD, 0, 0, None, 0),
            "kexec_file_load": call(NR_KEXEC_FILE_LOAD, fd, fd, 0, b"", 0),
        }
    finally:
        os.close(fd)
