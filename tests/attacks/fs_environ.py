# attack: read the daemon's environment: every /proc/*/environ, os.environ,
#    and the canary value the test put in the daemon's environment
# why: only the jail's own processes are visible, and the runner gets a fixed,
#    small environment: no PYEXEC_* variable, PATH the jail's own (of the
#    daemon's, only OpenBLAS's CPU-detection overrides pass, see payload.c)
# expect-result: result["canary_seen"] == [] and result["pyexec_keys"] == []
# expect-result: result["path"] == "/usr/local/bin:/usr/bin:/bin"
# expect-result: result["pids"] == ["1"]
# expect-result: set(result["keys"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "USER", "LOGNAME", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "SHELL", "TERM", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
# timeout: 3

import os

CANARY = "{{CANARY}}"


def main():
    seen = []
    pids = sorted(p for p in os.listdir("/proc") if p.isdigit())
    for pid in pids + ["self", "thread-self"]:
        for leaf in ("environ", "cmdline"):
            try:
                data = open("/proc/%s/%s" % (pid, leaf), "rb").read()
            except OSError:
                continue
            if CANARY.encode() in data or b"PYEXEC_" in data:
                seen.append("/proc/%s/%s" % (pid, leaf))
    if any(CANARY in v for v in os.environ.values()):
        seen.append("os.environ")
    return {"canary_seen": seen, "pids": pids, "keys": sorted(os.environ),
            "pyexec_keys": [k for k in os.environ if k.startswith("PYEXEC")],
            "path": os.environ.get("PATH")}
