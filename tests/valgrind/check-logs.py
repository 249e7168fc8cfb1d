#!/usr/bin/python3
"""Reads the memcheck logs of tests/valgrind/pyexecd-vg.sh and fails on any error.

    check-logs.py DIR [--min-daemons N]

One log per daemon start (vg.<pid>.log), shared by all its processes; each
line starts with ==<pid>==.  Counted as checked: every process that wrote
an ERROR SUMMARY when it exited, i.e. the supervisor, the front and the
spawner of each start (real pids), jail helpers (pid 2 of a jail's pid
namespace: the RLIMIT_NOFILE helper of src/jail/rlimit.c, one per jail
built under valgrind) and jail children that exited before their exec
(pid 1).  A jail child that reached its exec prints no summary, so errors
are also found by their headers, wherever they appear.

Fails (exit 1) when an ERROR SUMMARY is not 0 (definite leaks count, see
--errors-for-leak-kinds in the wrapper), when any error report appears,
or when fewer than --min-daemons daemon processes were checked.
"""

import argparse
import collections
import glob
import os
import re
import sys

LINE = re.compile(r"^==(\d+)== ?(.*)$")
SUMMARY = re.compile(r"^ERROR SUMMARY: ([\d,]+) errors? from")
# The first line of every memcheck error report (valgrind's manual, "Explanation
# of error messages from Memcheck") and of a fatal signal.
ERROR_HEAD = re.compile(
    r"^(Invalid (read|write) of size"
    r"|Invalid free\(\)|Mismatched free\(\)"
    r"|Conditional jump or move depends on uninitialised"
    r"|Use of uninitialised value"
    r"|Syscall param .* (uninitialised|unaddressable)"
    r"|Source and destination overlap"
    r"|Argument '.*' of function .* has a fishy"
    r"|Jump to the invalid address"
    r"|Process terminating with default action of signal"
    r"|[\d,]+ (\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are definitely lost)")


def read_log(path):
    """{pid: [lines]} in file order."""
    per_pid = collections.OrderedDict()
    with open(path, "r", errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if m:
                per_pid.setdefault(int(m.group(1)), []).append(m.group(2))
    return per_pid


def report_blocks(lines):
    """The error reports among one process's lines, each up to its blank line."""
    out, cur = [], None
    for ln in lines:
        if cur is None and ERROR_HEAD.match(ln):
            cur = [ln]
        elif cur is not None:
            if ln.strip() == "":
                out.append(cur)
                cur = None
            else:
                cur.append(ln)
    if cur:
        out.append(cur)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--min-daemons", type=int, default=3)
    a = ap.parse_args()

    logs = sorted(glob.glob(os.path.join(a.dir, "vg.*.log")))
    daemons = helpers = early_jails = 0
    failures = []
    short = []
    for path in logs:
        name = os.path.basename(path)
        per_pid = read_log(path)
        daemon_here = 0
        for pid, lines in per_pid.items():
            counts = [int(m.group(1).replace(",", "")) for m in map(SUMMARY.match, lines) if m]
            if pid == 1:
                early_jails += len(counts)
            elif pid == 2:
                helpers += len(counts)
            elif counts:
                daemons += 1
                daemon_here += 1
            blocks = report_blocks(lines)
            bad = [c for c in counts if c]
            if blocks or bad:
                who = {1: "a jail child", 2: "a jail helper"}.get(pid, "pid %d" % pid)
                text = "\n".join("    " + "\n    ".join(b[:30]) for b in blocks[:5])
                failures.append("%s: %s: %d error report(s), summaries %s\n%s"
                                % (name, who, len(blocks), counts, text))
        # supervisor + front + spawner; fewer when one was SIGKILLed (no exit summary)
        if daemon_here < 3:
            short.append("%s (%d)" % (name, daemon_here))

    print("valgrind e2e: %d log(s); %d daemon processes checked to exit (supervisor, front,"
          " spawner, restarted components), %d jails followed through set-up (their"
          " RLIMIT_NOFILE helper's summary), %d jail children exited before exec"
          % (len(logs), daemons, helpers, early_jails))
    if short:
        print("valgrind e2e: note: starts with fewer than 3 exit summaries (a configuration"
              " error exits before forking, `pyexecd run` has no front, a component killed"
              " with SIGKILL prints none): %s" % ", ".join(short))
    if failures:
        print("valgrind e2e: FAILED, memcheck reported errors:\n" + "\n".join(failures))
        return 1
    if daemons < a.min_daemons:
        print("valgrind e2e: FAILED, only %d daemon processes were checked (expected >= %d)"
              % (daemons, a.min_daemons))
        return 1
    print("valgrind e2e: no errors, no definite leaks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
