# attack: hard-link python3, /etc/passwd, /usr/bin/su and the running
#    interpreter (/proc/self/exe) into /tmp; linkat(AT_EMPTY_PATH) of an fd
# why: /tmp is another file system (EXDEV); AT_EMPTY_PATH needs
#    CAP_DAC_READ_SEARCH (ENOENT without it)
# expect-result: all(v in ("EXDEV", "EPERM", "EACCES", "ENOENT") for v in result.values())
# expect-result: result["python3"] == "EXDEV"
# timeout: 3

import ctypes
import errno
import os

AT_FDCWD, AT_EMPTY_PATH = -100, 0x1000


def attempt(src, dst):
    try:
        os.link(src, dst)
        return "LINKED"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main():
    out = {
        "python3": attempt(os.path.realpath("/usr/bin/python3"), "/tmp/py"),
        "passwd": attempt("/etc/passwd", "/tmp/passwd"),
        "su": attempt("/usr/bin/su", "/tmp/su"),
        "self-exe": attempt("/proc/self/exe", "/tmp/exe"),
        "into-shm": attempt("/usr/bin/env", "/dev/shm/env"),
    }
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/usr/bin/env", os.O_RDONLY)
    rc = libc.linkat(fd, b"", AT_FDCWD, b"/tmp/env-empty-path", AT_EMPTY_PATH)
    out["at-empty-path"] = "LINKED" if rc == 0 else errno.errorcode.get(ctypes.get_errno())
    os.close(fd)
    return out
