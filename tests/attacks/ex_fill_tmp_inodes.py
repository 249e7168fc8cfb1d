# attack: create empty files in /tmp until no inode is left (30000 wanted)
# why: the jail's tmpfs has its own inode cap: ENOSPC, the host is untouched
# expect-result: result["errno"] == "ENOSPC" and result["files"] < 30000
# memory: 128
# timeout: 8

import errno
import os


def main():
    files = 0
    try:
        for i in range(30000):
            os.close(os.open("/tmp/f%05d" % i, os.O_CREAT | os.O_WRONLY, 0o600))
            files += 1
    except OSError as e:
        return {"errno": errno.errorcode.get(e.errno), "files": files}
    return {"errno": None, "files": files}
