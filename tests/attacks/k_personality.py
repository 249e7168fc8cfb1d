# attack: personality(): turn off ASLR (ADDR_NO_RANDOMIZE), READ_IMPLIES_EXEC,
#    ADDR_COMPAT_LAYOUT, MMAP_PAGE_ZERO; also run `setarch -R` on a child
# why: seccomp refuses those flags; the persona stays as it was (read by a
#    child, which inherits it: a warm-mode runner cannot read its own /proc)
# expect-result: all(v == "EPERM" for v in result["set"].values())
# expect-result: result["after"] == result["before"] == "00000000" and result["setarch"] != 0
# timeout: 3

import ctypes
import errno
import subprocess

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_PERSONALITY = 135
FLAGS = {"ADDR_NO_RANDOMIZE": 0x0040000, "READ_IMPLIES_EXEC": 0x0400000,
         "ADDR_COMPAT_LAYOUT": 0x0200000, "MMAP_PAGE_ZERO": 0x0100000}


def persona():
    return subprocess.run(["/usr/bin/cat", "/proc/self/personality"],
                          stdout=subprocess.PIPE).stdout.decode().strip()


def main():
    before = persona()
    out = {name: call(NR_PERSONALITY, flag) for name, flag in FLAGS.items()}
    after = persona()
    tool = subprocess.run(["/usr/bin/setarch", "x86_64", "-R", "/usr/bin/true"],
                          stderr=subprocess.DEVNULL)
    return {"set": out, "before": before, "after": after, "setarch": tool.returncode}
