# attack: reach devices that the jail must not have: /dev/mem, kmem, port,
#    kmsg, the disks, tty/console/ptmx, tun, fuse, kvm, userfaultfd, loop;
#    create a node or file in /dev
# why: /dev holds only null, zero, full, random, urandom (+ shm and the fd links)
# expect-result: result["listing"] == ["fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "urandom", "zero"]
# expect-result: all(v == "ENOENT" for v in result["open"].values())
# expect-result: result["create"] in ("EROFS", "EACCES", "EPERM")
# expect-result: result["null"] == "OK" and result["full"] == "ENOSPC"
# timeout: 3

import errno
import os

DEVICES = ["mem", "kmem", "port", "kmsg", "sda", "vda", "nvme0n1", "tty", "console", "ptmx",
           "pts/0", "net/tun", "fuse", "kvm", "userfaultfd", "loop0", "loop-control",
           "mapper/control", "dri/card0", "input/event0", "hwrng", "cpu/0/msr", "watchdog"]


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def main():
    out = {"listing": sorted(os.listdir("/dev")), "open": {}}
    for dev in DEVICES:
        try:
            os.close(os.open("/dev/" + dev, os.O_RDONLY | os.O_NONBLOCK))
            out["open"][dev] = "OPENED"
        except OSError as e:
            out["open"][dev] = name(e)
    try:
        os.close(os.open("/dev/pyexec-attack", os.O_CREAT | os.O_WRONLY, 0o666))
        out["create"] = "OK"
    except OSError as e:
        out["create"] = name(e)
    for dev in ("null", "full"):
        try:
            with open("/dev/" + dev, "wb", buffering=0) as f:
                f.write(b"x")
            out[dev] = "OK"
        except OSError as e:
            out[dev] = name(e)
    return out
