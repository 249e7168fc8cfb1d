# attack: change files the jail is made of: append to /etc/passwd, truncate
#    ld.so.cache, chmod/chown/utime/rename/unlink /etc and /usr files, open
#    python3 for writing, directly, as /proc/self/exe, and by reopening a
#    read-only descriptor through /proc/self/fd
# why: the root tmpfs and /usr are mounted read-only, and the binds too
# expect-result: all(v in ("EROFS", "EACCES", "EPERM", "EXDEV", "EBUSY", "ETXTBSY") for v in result.values())
# expect-result: len(result) == 16
# timeout: 3

import errno
import os


def attempt(fn, *args):
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def append(path):
    with open(path, "a") as f:
        f.write("root2::0:0::/:/bin/sh\n")


def reopen(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.close(os.open("/proc/self/fd/%d" % fd, os.O_RDWR))
    finally:
        os.close(fd)


def main():
    return {
        "open /proc/self/exe rw": attempt(lambda: os.close(os.open("/proc/self/exe", os.O_RDWR))),
        "reopen ld.so.cache rw": attempt(reopen, "/etc/ld.so.cache"),
        "reopen /etc/passwd rw": attempt(reopen, "/etc/passwd"),
        "append /etc/passwd": attempt(append, "/etc/passwd"),
        "truncate /etc/ld.so.cache": attempt(os.truncate, "/etc/ld.so.cache", 0),
        "chmod /etc/passwd": attempt(os.chmod, "/etc/passwd", 0o666),
        "chmod /usr/bin/python3": attempt(os.chmod, os.path.realpath("/usr/bin/python3"), 0o4777),
        "chown /etc/hosts": attempt(os.chown, "/etc/hosts", 1000, 1000),
        "utime /usr/bin/env": attempt(os.utime, "/usr/bin/env", (0, 0)),
        "rename /etc/hosts": attempt(os.rename, "/etc/hosts", "/etc/hosts.old"),
        "rename /usr/bin/env": attempt(os.rename, "/usr/bin/env", "/tmp/env"),
        "unlink /etc/resolv.conf": attempt(os.unlink, "/etc/resolv.conf"),
        "unlink /usr/bin/env": attempt(os.unlink, "/usr/bin/env"),
        "rmdir /usr/share/doc": attempt(os.rmdir, "/usr/share/doc"),
        "open python3 r+": attempt(lambda: os.close(os.open(os.path.realpath("/usr/bin/python3"),
                                                            os.O_RDWR))),
        "symlink in /etc": attempt(os.symlink, "/tmp/x", "/etc/pyexec-attack"),
    }
