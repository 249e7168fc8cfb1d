# attack: use fd 3 (the script's memfd, already closed by the runner): read
#    it, seek it, then dup2 stdout over it and write
# expect-result: result["read"] == "EBADF" and result["seek"] == "EBADF"
# expect-body: "through fd 3" in body["stdout"]
# timeout: 3

import errno
import os


def attempt(fn, *args):
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, "?")


def main():
    out = {"read": attempt(os.pread, 3, 100, 0), "seek": attempt(os.lseek, 3, 0, 0)}
    os.dup2(1, 3)
    os.write(3, b"through fd 3\n")
    os.close(3)
    return out
