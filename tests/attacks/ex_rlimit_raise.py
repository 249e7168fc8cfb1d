# attack: raise every hard rlimit (NOFILE, NPROC, FSIZE, CPU, CORE, AS...) and
#    dup a descriptor to a number beyond RLIMIT_NOFILE
# why: an unprivileged process may lower hard limits, never raise them
# expect-result: all(v in ("EPERM", "ValueError") for v in result["raise"].values())
# expect-result: result["dup2_300"] == "EBADF" and result["nofile"] == [256, 256]
# expect-result: result["core"] == [0, 0]
# timeout: 3

import errno
import os
import resource


def main():
    out = {}
    for name in ("RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_CORE",
                 "RLIMIT_NPROC", "RLIMIT_MEMLOCK", "RLIMIT_AS"):
        which = getattr(resource, name)
        soft, hard = resource.getrlimit(which)
        if hard == resource.RLIM_INFINITY:
            continue  # nothing to raise
        try:
            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            out[name] = "RAISED"
        except ValueError:
            out[name] = "ValueError"
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno)
    try:
        os.dup2(0, 300)
        dup = "OK"
    except OSError as e:
        dup = errno.errorcode.get(e.errno)
    return {"raise": out, "dup2_300": dup,
            "nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
            "core": list(resource.getrlimit(resource.RLIMIT_CORE))}
