# attack: plant symlinks in /tmp to /etc/shadow, the host root through
#    /proc/1/root/.., the daemon's work dir and /work, then read through them
# why: a symlink resolves inside the jail; none of these exist there
# expect-result: all(v in ("ENOENT", "EACCES") for v in result.values())
# timeout: 3

import errno
import os

TARGETS = {
    "shadow": "/etc/shadow",
    "gshadow": "/etc/gshadow",
    "via-proc-root": "/proc/1/root/../../../etc/shadow",
    "via-self-root": "/proc/self/root/../etc/shadow",
    "via-cwd": "/proc/self/cwd/../../../../etc/shadow",
    "host-ssh": "/proc/1/root/../root/.ssh/id_rsa",
    "workdir": "{{WORKDIR}}/pyexecd-session.stderr.log",
    "repo": "{{REPO}}/Makefile",
    "work": "/work/shared/STYLE.md",
}


def main():
    out = {}
    for name, target in TARGETS.items():
        link = "/tmp/" + name
        os.symlink(target, link)
        try:
            with open(link, "rb") as f:
                f.read(64)
            out[name] = "READ"
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno, str(e.errno))
    return out
