# attack: store data in /dev/shm (tmpfs) instead of the heap, 64 MB of it
# why: /dev/shm is size-limited (16 MB) so it fills with ENOSPC first
# expect-result: result["errno"] == "ENOSPC" and result["mib"] <= 16
# memory: 128
# timeout: 5

import errno


def main():
    mib = 0
    try:
        with open("/dev/shm/hoard", "wb") as f:
            for _ in range(64):
                f.write(b"s" * (1 << 20))
                f.flush()
                mib += 1
    except OSError as e:
        return {"errno": errno.errorcode.get(e.errno), "mib": mib}
    return {"errno": None, "mib": mib}
