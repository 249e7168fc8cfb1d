# attack: climb out through /proc/1/root, /proc/1/cwd and /proc/self/root,
#    with .. after them
# why: pid 1 is the jail's own runner: its root is the jail's root, and ..
#    of the root is the root
# expect-result: result["pid1_is_self"] is True
# expect-result: all(v == result["root"] for v in result["views"].values())
# expect-result: result["cwd"] == "/tmp"
# expect-result: "work" not in result["root"]["names"] and "sys" not in result["root"]["names"]
# timeout: 3

import os


def view(path):
    st = os.stat(path)
    return {"dev_ino": [st.st_dev, st.st_ino], "names": sorted(os.listdir(path))}


def main():
    views = {}
    for path in ("/proc/1/root", "/proc/1/root/..", "/proc/1/root/../../..", "/proc/self/root",
                 "/proc/self/root/..", "/proc/1/cwd/..", "/proc/1/cwd/../..", "/..", "/../../.."):
        try:
            views[path] = view(path)
        except OSError as e:
            views[path] = str(e)
    return {"pid1_is_self": os.getpid() == 1 or os.readlink("/proc/1/exe") == os.readlink("/proc/self/exe"),
            "root": view("/"), "views": views, "cwd": os.readlink("/proc/1/cwd")}
