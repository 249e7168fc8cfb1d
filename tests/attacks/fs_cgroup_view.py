# attack: find the host's cgroup tree: /sys/fs/cgroup, /proc/self/cgroup,
#    /proc/1/cgroup, /proc/cgroups; try to write a cgroup file by any path
# why: there is no /sys; the cgroup namespace roots every path at "/"
# expect-result: result["sys"] is False and result["sysfs_cgroup"] == "ENOENT"
# expect-result: result["self_paths"] == ["/"] and result["pid1_paths"] == ["/"]
# expect-result: result["mount_sysfs"] in ("EPERM", "EACCES")
# timeout: 3

import ctypes
import errno
import os


def paths(pid):
    return sorted({line.rstrip("\n").split(":", 2)[2] for line in open("/proc/%s/cgroup" % pid)})


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    os.mkdir("/tmp/sys")
    rc = libc.mount(b"sysfs", b"/tmp/sys", b"sysfs", 0, None)
    mount_sysfs = "OK" if rc == 0 else errno.errorcode.get(ctypes.get_errno())
    try:
        os.listdir("/sys/fs/cgroup")
        sysfs_cgroup = "LISTED"
    except OSError as e:
        sysfs_cgroup = errno.errorcode.get(e.errno)
    return {"sys": os.path.exists("/sys"), "sysfs_cgroup": sysfs_cgroup,
            "self_paths": paths("self"), "pid1_paths": paths(1), "mount_sysfs": mount_sysfs}
