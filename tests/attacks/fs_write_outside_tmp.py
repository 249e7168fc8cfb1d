# attack: create a file and a directory everywhere outside /tmp and /dev/shm:
#    /, /usr, /usr/lib, /bin (merged-usr link), /etc, /home, /root, /var, /proc, /dev
# why: everything but /tmp and /dev/shm is read-only or not ours (procfs
#    answers ENOENT to a new name)
# expect-result: all(v in ("EROFS", "EACCES", "EPERM", "ENOENT") for v in result["create"].values())
# expect-result: all(v in ("EROFS", "EACCES", "EPERM", "ENOENT") for v in result["mkdir"].values())
# expect-result: result["control"] == ["OK", "OK"] and result["var_tmp"] == "/tmp"
# timeout: 3

import errno
import os

# (/var/tmp is a link to /tmp: checked apart.)
PLACES = ["/", "/usr", "/usr/lib", "/usr/bin", "/bin", "/lib", "/etc", "/etc/python3",
          "/home", "/root", "/var", "/proc", "/dev", "/proc/1", "/proc/self/root"]


def attempt(fn, *args):
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def create(path):
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


def main():
    out = {"create": {}, "mkdir": {}}
    for place in PLACES:
        out["create"][place] = attempt(create, os.path.join(place, "pyexec-attack"))
        out["mkdir"][place] = attempt(os.mkdir, os.path.join(place, "pyexec-attack-d"))
    # Positive control: the two writable places do work.
    out["control"] = [attempt(create, "/tmp/ok"), attempt(create, "/dev/shm/ok")]
    out["var_tmp"] = os.path.realpath("/var/tmp")
    return out
