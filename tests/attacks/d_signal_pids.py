# attack: find and signal the daemon: probe every pid from 1 to 32768 with
#    signal 0, SIGKILL each one found (but itself), and the daemon's host pid
# why: only the jail's pid namespace is visible: pid 1 (itself) and nothing
#    else; the daemon stays healthy (no_leaks)
# expect-result: result["existing"] == [1] and result["killed"] == []
# expect-result: result["daemon_pid"] == "ESRCH"
# timeout: 5

import errno
import os
import signal

DAEMON_PID = int("{{DAEMON_PID}}")  # templated by the test


def main():
    existing = []
    for pid in range(1, 32769):
        try:
            os.kill(pid, 0)
            existing.append(pid)
        except OSError as e:
            if e.errno != errno.ESRCH:
                existing.append(pid)
    killed = []
    for pid in existing:
        if pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except OSError:
                pass
    try:
        os.kill(DAEMON_PID, signal.SIGTERM)
        daemon = "SIGNALLED"
    except OSError as e:
        daemon = errno.errorcode.get(e.errno, "?")
    return {"existing": existing, "killed": killed, "daemon_pid": daemon}
