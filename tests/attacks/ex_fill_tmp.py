# attack: fill /tmp with one ever-growing file (100 MB wanted)
# why: /tmp is 64 MB and RLIMIT_FSIZE the same: ENOSPC or EFBIG, not a host disk
# expect-result: result["errno"] in ("ENOSPC", "EFBIG") and result["mib"] <= 64
# memory: 192
# timeout: 6

import errno


def main():
    mib = 0
    try:
        with open("/tmp/fill", "wb") as f:
            for _ in range(100):
                f.write(b"t" * (1 << 20))
                f.flush()
                mib += 1
    except OSError as e:
        return {"errno": errno.errorcode.get(e.errno), "mib": mib}
    return {"errno": None, "mib": mib}
