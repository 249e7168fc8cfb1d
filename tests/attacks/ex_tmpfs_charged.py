# attack: keep data in tmpfs instead of the heap to dodge the memory limit:
#    63 MB into /tmp and 15 MB into /dev/shm with a 32 MB limit
# why: tmpfs pages are charged to the execution's memory cgroup
# expect-error: memory_limit
# expect-result: result["errno"] == "ENOSPC" and result["mib"] <= 32
# memory: 32
# timeout: 5

import errno


def main():
    mib = 0
    try:
        for path, n in (("/tmp/a", 63), ("/dev/shm/b", 15)):
            with open(path, "wb") as f:
                for _ in range(n):
                    f.write(b"t" * (1 << 20))
                    f.flush()
                    mib += 1
    except OSError as e:
        return {"errno": errno.errorcode.get(e.errno), "mib": mib}
    return {"errno": None, "mib": mib}
