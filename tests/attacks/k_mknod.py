# attack: mknod device nodes in /tmp and /dev/shm: /dev/mem (1,1), the disk
#    (254,0 and 8,0), /dev/kmsg (1,11); a FIFO as the control
# why: device nodes need CAP_MKNOD (and the mounts are nodev): EPERM
# expect-result: all(v == "EPERM" for v in result["devices"].values())
# expect-result: result["fifo"] == "OK"
# timeout: 3

import errno
import os
import stat

NODES = {"mem": (stat.S_IFCHR, 1, 1), "kmsg": (stat.S_IFCHR, 1, 11),
         "vda": (stat.S_IFBLK, 254, 0), "sda": (stat.S_IFBLK, 8, 0)}


def attempt(fn, *args):
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main():
    devices = {}
    for where in ("/tmp", "/dev/shm"):
        for name, (kind, major, minor) in NODES.items():
            devices[where + "/" + name] = attempt(os.mknod, where + "/" + name,
                                                  kind | 0o666, os.makedev(major, minor))
    return {"devices": devices, "fifo": attempt(os.mkfifo, "/tmp/fifo")}
