# attack: claim space without writing it: truncate a file to 1 TB, fallocate
#    256 MB, seek past the limit and write one byte
# why: RLIMIT_FSIZE and the tmpfs size bound all three
# expect-result: result["truncate"] == "EFBIG" and result["seek_write"] == "EFBIG"
# expect-result: result["fallocate"] in ("EFBIG", "ENOSPC")
# timeout: 3

import errno
import os


def attempt(fn, *args):
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def seek_write(path, where):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        os.lseek(fd, where, os.SEEK_SET)
        os.write(fd, b"x")
    finally:
        os.close(fd)


def fallocate(path, size):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        os.posix_fallocate(fd, 0, size)
    finally:
        os.close(fd)


def main():
    with open("/tmp/sparse", "wb"):
        pass
    return {"truncate": attempt(os.truncate, "/tmp/sparse", 1 << 40),
            "fallocate": attempt(fallocate, "/tmp/alloc", 256 << 20),
            "seek_write": attempt(seek_write, "/tmp/seek", 1 << 30)}
