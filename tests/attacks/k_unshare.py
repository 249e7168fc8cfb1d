# attack: unshare() every namespace kind, one at a time: user (the door to
#    in-namespace root), mount, net, pid, ipc, uts, cgroup, time
# why: seccomp refuses unshare with namespace flags: no nested user namespace
# expect-result: all(v == "EPERM" for v in result["unshare"].values())
# expect-result: result["tool"] != 0
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


NR_UNSHARE = 272
FLAGS = {"user": 0x10000000, "mnt": 0x00020000, "net": 0x40000000, "pid": 0x20000000,
         "ipc": 0x08000000, "uts": 0x04000000, "cgroup": 0x02000000, "time": 0x00000080,
         "user+mnt": 0x10020000}


def main():
    out = {name: call(NR_UNSHARE, flag) for name, flag in FLAGS.items()}
    # The same through util-linux's unshare(1), mapping itself to root.
    tool = subprocess.run(["/usr/bin/unshare", "--user", "--map-root-user", "/usr/bin/id", "-u"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return {"unshare": out, "tool": tool.returncode, "tool_out": tool.stdout.decode()}
