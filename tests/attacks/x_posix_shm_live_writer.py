# attack: hold a POSIX shared memory object with a fixed name while another
#    execution opens it
# pair: posix-shm-live writer
# expect-result: result["mine"] == "FOUND: b'secret'"
# timeout: 7

import time
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
    shm = plant()
    at = time.time()
    time.sleep(3.0)
    return {"at": at, "until": time.time(), "mine": look(), "size": shm.size}
