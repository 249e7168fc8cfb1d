# attack: while another execution holds a POSIX shared memory object, open it
# why: /dev/shm is a tmpfs of each execution's own
# pair: posix-shm-live reader
# start: +0.5
# expect-result: result["open"] == ["ENOENT"] and result["dev_shm"] == []
# expect-pair: any(results["writer"]["at"] < t < results["writer"]["until"] for t in result["times"])
# timeout: 6

import os
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
    opened, listed, times = set(), set(), []
    for _ in range(10):
        times.append(time.time())
        opened.add(look())
        listed.update(os.listdir("/dev/shm"))
        time.sleep(0.25)
    return {"times": times, "open": sorted(opened), "dev_shm": sorted(listed)}
