# attack: read /proc/self/mountinfo and /proc/mounts for host paths
# why: the jail's mounts must name no host directory (/work, the daemon's
#    work dir, host /tmp, /root, /home) and no /sys; /usr is read-only
#    and nosuid; the old root is gone
# expect-result: result["host_paths"] == []
# expect-result: "/sys" not in result["points"] and "/proc/sys" not in result["writable"]
# expect-result: set(result["writable"]) <= {"/proc", "/tmp", "/dev/shm", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}
# expect-result: "ro" in result["usr_opts"] and "nosuid" in result["usr_opts"]
# expect-result: "ro" in result["root_opts"]
# timeout: 3

HOST = ["/work", "{{REPO}}", "{{WORKDIR}}", "/root", "/home/", "/tmp/", "/var/lib", "/run",
        "pyexec-", "/srv", "/mnt", "/media", "/opt", "/boot", "/.old", "oldroot"]


def main():
    text = open("/proc/self/mountinfo").read() + open("/proc/mounts").read()
    points, writable = [], []
    usr_opts = root_opts = ""
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        point, opts = fields[4], fields[5].split(",")
        points.append(point)
        if "rw" in opts:
            writable.append(point)
        if point == "/usr":
            usr_opts = opts
        if point == "/":
            root_opts = opts
    found = [h for h in HOST if h in text]
    return {"host_paths": found, "points": points, "writable": writable,
            "usr_opts": usr_opts, "root_opts": root_opts}
