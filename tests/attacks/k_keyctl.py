# attack: the kernel keyrings: keyctl (get/join a session keyring), add_key
#    and request_key
# why: seccomp refuses all three (keyrings are not namespaced)
# expect-result: all(v == "EPERM" for v in result.values())
# expect-result: len(result) == 4
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


NR_ADD_KEY, NR_REQUEST_KEY, NR_KEYCTL = 248, 249, 250
KEYCTL_GET_KEYRING_ID, KEYCTL_JOIN_SESSION_KEYRING = 0, 1
KEY_SPEC_PROCESS_KEYRING, KEY_SPEC_SESSION_KEYRING = -2, -3


def main():
    return {
        "keyctl get": call(NR_KEYCTL, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1),
        "keyctl join": call(NR_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, b"pyexec-attack"),
        "add_key": call(NR_ADD_KEY, b"user", b"pyexec-attack", b"secret", 6,
                        KEY_SPEC_PROCESS_KEYRING),
        "request_key": call(NR_REQUEST_KEY, b"user", b"pyexec-attack", None, 0),
    }
