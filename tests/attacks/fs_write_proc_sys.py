# attack: write kernel tunables and process knobs through /proc: hostname,
#    core_pattern, drop_caches, modprobe, ip_forward, sysrq-trigger, and a
#    lower oom_score_adj for itself
# why: no capability in any namespace: every write is refused (or the file absent)
# expect-result: all(v in ("EACCES", "EPERM", "EROFS", "ENOENT") for v in result.values())
# timeout: 3

import errno

TARGETS = {
    "/proc/sys/kernel/hostname": "owned\n",
    "/proc/sys/kernel/core_pattern": "|/tmp/x\n",
    "/proc/sys/kernel/modprobe": "/tmp/x\n",
    "/proc/sys/vm/drop_caches": "3\n",
    "/proc/sys/net/ipv4/ip_forward": "1\n",
    "/proc/sys/kernel/randomize_va_space": "0\n",
    "/proc/sysrq-trigger": "h\n",
    "/proc/self/oom_score_adj": "-1000\n",
    "/proc/1/oom_adj": "-17\n",
    "/proc/self/setgroups": "allow\n",
    "/proc/self/uid_map": "0 0 1\n",
    "/proc/self/gid_map": "0 0 1\n",
}


def main():
    out = {}
    for path, data in TARGETS.items():
        try:
            with open(path, "w") as f:
                f.write(data)
            out[path] = "OK"
        except OSError as e:
            out[path] = errno.errorcode.get(e.errno, str(e.errno))
    return out
