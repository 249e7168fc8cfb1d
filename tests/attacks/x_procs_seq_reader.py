# attack: look for the previous execution's leftover process
# why: it died with its pid namespace; no_leaks checks the host side too
# pair: procs-seq reader
# start: after writer
# expect-result: result == {"pids": [1], "marked": []}
# timeout: 3

import os


def main():
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    marked = [p for p in pids if b"9.75" in open("/proc/%d/cmdline" % p, "rb").read()]
    return {"pids": pids, "marked": marked}
