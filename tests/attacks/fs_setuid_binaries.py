# attack: find every setuid/setgid file under /usr and run each (su, passwd,
#    mount, newgrp, chfn...), reading its ids from /proc while it waits on stdin
# why: /usr is nosuid and no_new_privs is set: they run with the caller's
#    uid 1000, never 0; `mount` as such cannot mount anything either
# expect-result: len(result["found"]) >= 1 and result["nnp"] == "1"
# expect-result: all(ids == ["1000"] * 8 for ids in result["ids"].values())
# expect-result: len(result["ids"]) >= 1
# expect-result: result["mounted"] is False
# timeout: 8

import os
import stat
import subprocess
import time


def ids(pid):
    out = []
    for line in open("/proc/%d/status" % pid):
        if line.startswith(("Uid:", "Gid:")):
            out += line.split()[1:]
    return out


def setid_files(top, depth):
    # Not a full walk of /usr (160k files: too slow here); the program
    # directories, and /usr/lib two levels deep (openssh, dbus, polkit helpers).
    out = []
    try:
        entries = list(os.scandir(top))
    except OSError:
        return out
    for e in entries:
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
            out.append(e.path)
        elif stat.S_ISDIR(st.st_mode) and depth > 1:
            out += setid_files(e.path, depth - 1)
    return out


def main():
    found = []
    for top, depth in (("/usr/bin", 1), ("/usr/sbin", 1), ("/usr/libexec", 3), ("/usr/lib", 2)):
        found += setid_files(top, depth)
    seen = {}
    for path in found[:20]:
        try:
            proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        except OSError as e:
            seen[path] = "exec failed: %s" % e
            continue
        # Those that wait on stdin (su, passwd...) are still running: look at them.
        time.sleep(0.15)
        try:
            seen[path] = ids(proc.pid)
        except OSError:
            pass
        proc.kill()
        proc.wait()
    os.mkdir("/tmp/mnt")
    subprocess.run(["/usr/bin/mount", "-t", "tmpfs", "none", "/tmp/mnt"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mounted = any(line.split()[4] == "/tmp/mnt" for line in open("/proc/self/mountinfo"))
    nnp = [line.split()[1] for line in open("/proc/self/status") if line.startswith("NoNewPrivs")]
    return {"found": found, "ids": {k: v for k, v in seen.items() if isinstance(v, list)},
            "errors": {k: v for k, v in seen.items() if not isinstance(v, list)},
            "mounted": mounted, "nnp": nnp[0] if nnp else None}
