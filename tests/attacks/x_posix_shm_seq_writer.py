# attack: create a POSIX shared memory object with a fixed name and leave it
# pair: posix-shm-seq writer
# expect-result: result == {"dev_shm": ["pyexec_attack_shm"], "look": "FOUND: b'secret'"}
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
    plant()
    return {"dev_shm": os.listdir("/dev/shm"), "look": look()}
