# attack: become root: setuid(0), seteuid(0), setresuid(0,0,0), setgid(0),
#    setgroups([0]), setfsuid(0), setuid to the host's sandbox uid 100000
# why: no CAP_SETUID, and only uid 1000 is mapped: ids stay 1000 everywhere
# expect-result: all(v in ("EPERM", "EINVAL") for v in result["calls"].values())
# expect-result: result["resuid"] == [1000, 1000, 1000] and result["resgid"] == [1000, 1000, 1000]
# expect-result: result["fsuid"] == 1000 and result["groups"] in ([], [1000])
# timeout: 3

import ctypes
import errno
import os


def attempt(fn, *args):
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main():
    calls = {
        "setuid 0": attempt(os.setuid, 0),
        "seteuid 0": attempt(os.seteuid, 0),
        "setresuid 0": attempt(os.setresuid, 0, 0, 0),
        "setreuid 0": attempt(os.setreuid, 0, 0),
        "setgid 0": attempt(os.setgid, 0),
        "setresgid 0": attempt(os.setresgid, 0, 0, 0),
        "setgroups 0": attempt(os.setgroups, [0]),
        "setuid 100000": attempt(os.setuid, 100000),
        "setuid 65534": attempt(os.setuid, 65534),
    }
    libc = ctypes.CDLL(None, use_errno=True)
    libc.setfsuid(0)  # returns the previous fsuid, never an error
    fsuid = libc.setfsuid(-1)  # an invalid id: changes nothing, returns the current one
    return {"calls": calls, "resuid": list(os.getresuid()), "resgid": list(os.getresgid()),
            "fsuid": fsuid, "groups": os.getgroups()}
