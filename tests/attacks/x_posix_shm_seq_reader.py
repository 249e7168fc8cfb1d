# attack: open the previous execution's POSIX shared memory by its name
# pair: posix-shm-seq reader
# start: after writer
# expect-result: result == {"open": "ENOENT", "dev_shm": []}
# timeout: 4

import os
from multiprocessing import resource_tracker, shared_memory

NAME = "pyexec_attack_shm"  # the same fixed name in both executions


def plant():
    shm = shared_memory.SharedMemory(name=NAME, create=True, size=4096)
    shm.buf[:6] = b"secret"
    # Keep it after exit: the tracker would unlink it, hiding a leak.
    resource_tracker.unregister(shm._name, "shared_memory")
    return shm


def look():
    try:
        shm = shared_memory.SharedMemory(name=NAME)
        return "FOUND: %r" % bytes(shm.buf[:6])
    except FileNotFoundError:
        return "ENOENT"


def main():
    return {"open": look(), "dev_shm": os.listdir("/dev/shm")}
