# attack: find the previous execution's SysV IPC objects by their fixed key
# why: each execution has a fresh ipc namespace, gone with it
# pair: sysv-seq reader
# start: after writer
# expect-result: result == {"shm": "ENOENT", "sem": "ENOENT", "msq": "ENOENT", "sysvipc_rows": 0, "create_own": "OK"}
# timeout: 3

import ctypes
import errno

KEY = 0x50595845  # "PYXE": the same fixed key in both executions
IPC_CREAT, IPC_EXCL = 0o1000, 0o2000

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p


def err():
    return errno.errorcode.get(ctypes.get_errno(), "?")


def plant():
    """Creates a shm segment (with a secret), a semaphore set and a message
    queue under KEY, and removes none of them."""
    shm = libc.shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0o666)
    if shm < 0:
        return {"shm": err()}
    addr = libc.shmat(shm, None, 0)
    ctypes.memmove(addr, b"secret of another execution", 28)
    sem = libc.semget(KEY, 1, IPC_CREAT | IPC_EXCL | 0o666)
    msq = libc.msgget(KEY, IPC_CREAT | IPC_EXCL | 0o666)
    msg = ctypes.create_string_buffer(b"\x01\0\0\0\0\0\0\0secret", 16)
    sent = libc.msgsnd(msq, msg, 8, 0)
    return {"shm": "OK", "sem": "OK" if sem >= 0 else err(), "msq": "OK" if msq >= 0 else err(),
            "msgsnd": "OK" if sent == 0 else err()}


def look(create=True):
    """What exists under KEY, then (create) whether KEY is free to create here."""
    out = {}
    for kind, fn, args in (("shm", libc.shmget, (KEY, 0, 0)), ("sem", libc.semget, (KEY, 0, 0)),
                           ("msq", libc.msgget, (KEY, 0))):
        out[kind] = "FOUND" if fn(*args) >= 0 else err()
    out["sysvipc_rows"] = sum(len(open("/proc/sysvipc/" + k).readlines()) - 1
                              for k in ("shm", "sem", "msg"))
    if create:
        out["create_own"] = "OK" if libc.shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0o600) >= 0 \
            else err()
    return out


def main():
    return look()
