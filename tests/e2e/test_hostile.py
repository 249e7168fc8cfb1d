"""Hostile scripts.  Every test here is followed by the leak check
(`no_leaks`): no sandbox-uid process, no cgroup, no host /tmp entry, no
mount, no daemon fd left behind, and /health healthy.

Every loop inside a script is bounded in count and time; the only address
any script touches is loopback, from inside a sandbox that has no network.
"""

import os
import threading
import time
from textwrap import dedent, indent

import pytest

import e2e_util as u

pytestmark = pytest.mark.usefixtures("no_leaks")

SLACK = 3.0  # seconds allowed past an execution's timeout for the answer

# Put first in main() of every script that would harm the host if it ran
# unsandboxed (as host root, in the host's pid namespace): it then refuses.
GUARD = """\
    if os.getuid() == 0 or os.geteuid() == 0 or \\
            len([p for p in os.listdir("/proc") if p.isdigit()]) > 50:
        return {"refused": "not sandboxed: uid %d, %d pids visible" % (
            os.getuid(), len([p for p in os.listdir("/proc") if p.isdigit()]))}
"""
CGROUP_V1_HOST = os.path.isdir("/sys/fs/cgroup/memory")


def guarded(script):
    assert "def main():\n" in script, script
    return "import os\n" + script.replace("def main():\n", "def main():\n" + GUARD, 1)


def hostile(client, script, timeout=2, memory=None, slack=SLACK):
    """Runs a guarded script; checks the answer came within timeout + slack."""
    r, b, dt = client.run(guarded(script), timeout=timeout, memory=memory, http_timeout=timeout + 30)
    assert dt < timeout + slack, "answered after %.2f s (timeout %s): %s" % (dt, timeout, u.short(b))
    return r, b, dt


def result_of(r, b):
    assert r.status_code == 200 and b.get("success") is True, \
        "expected success, got %d: %s" % (r.status_code, u.short(b))
    res = b["result"]
    assert not (isinstance(res, dict) and "refused" in res), res["refused"]
    return res


# ---------------------------------------------------------------------------
# time


def test_infinite_loop(client):
    r, b, dt = hostile(client, "def main():\n    while True:\n        pass\n", timeout=1)
    u.assert_error(r, 422, "timeout")
    assert dt < 3.0, dt
    assert b["usage"]["wall_ms"] >= 900, b["usage"]


def test_infinite_loop_at_import(client):
    r, b, dt = hostile(client, "while True:\n    pass\n\ndef main():\n    return 1\n", timeout=1)
    u.assert_error(r, 422, "timeout")
    assert dt < 3.0


def test_sleep_past_timeout(client):
    r, b, dt = hostile(client, "import time\ndef main():\n    time.sleep(30)\n    return 1\n",
                       timeout=1)
    u.assert_error(r, 422, "timeout")
    assert dt < 3.0


def test_timeout_keeps_earlier_output(client):
    script = "import sys\ndef main():\n    print('started', flush=True)\n    while True:\n        pass\n"
    r, b, _ = hostile(client, script, timeout=1)
    u.assert_error(r, 422, "timeout")
    assert b["stdout"] == "started\n"


def test_sigstop_self_then_timeout(client):
    script = dedent("""\
        import os, signal, time
        def main():
            os.kill(os.getpid(), signal.SIGSTOP)
            time.sleep(30)
            return 1
    """)
    r, b, dt = hostile(client, script, timeout=1)
    u.assert_error(r, 422, "timeout")
    assert dt < 3.0


def test_ignoring_sigterm(client):
    script = dedent("""\
        import signal
        def main():
            for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1,
                      signal.SIGALRM, signal.SIGXCPU, signal.SIGPIPE):
                signal.signal(s, signal.SIG_IGN)
            while True:
                pass
    """)
    r, b, dt = hostile(client, script, timeout=1)
    u.assert_error(r, 422, "timeout")
    assert dt < 3.0


def test_catching_sigterm_and_continuing(client):
    script = dedent("""\
        import signal, time
        def main():
            signal.signal(signal.SIGTERM, lambda *a: print("caught", flush=True))
            t0 = time.time()
            while time.time() - t0 < 20:
                time.sleep(0.01)
            return "survived"
    """)
    r, b, dt = hostile(client, script, timeout=1)
    u.assert_error(r, 422, "timeout")
    assert dt < 3.0


# ---------------------------------------------------------------------------
# processes and threads

FORK_BOMB = dedent("""\
    import errno, os, time
    def main():
        # Long enough for a slow machine (a fork of a pandas-loaded CPython
        # took 10 ms on one) to reach the limit; it stops at the first refusal.
        deadline = time.time() + 2.5
        forked, err = 0, None
        while time.time() < deadline and forked < 5000 and err is None:
            try:
                pid = os.fork()
            except OSError as e:
                err = errno.errorcode.get(e.errno, str(e.errno))
                continue
            if pid == 0:
                try:  # every child forks on too, until the deadline, then sleeps
                    while time.time() < deadline:
                        try:
                            os.fork()
                        except OSError:
                            time.sleep(0.005)
                    time.sleep(60)
                finally:
                    os._exit(0)
            forked += 1
        %s
""")


def test_fork_bomb(client):
    r, b, dt = hostile(client, FORK_BOMB % 'return {"forked": forked, "error": err}', timeout=5)
    if r.status_code == 200:
        res = result_of(r, b)
        assert res["error"] in ("EAGAIN", "ENOMEM"), "no process limit was hit: %s" % res
        assert res["forked"] < 5000, res
    else:
        u.assert_error(r, 422, error_types=("timeout", "memory_limit", "killed"))


def test_fork_bomb_until_timeout(client):
    r, b, dt = hostile(client, FORK_BOMB % "time.sleep(60)", timeout=2)
    u.assert_error(r, 422, error_types=("timeout", "memory_limit", "killed"))


def test_thread_bomb(client):
    script = dedent("""\
        import threading, time
        def main():
            deadline = time.time() + 1.0
            threads, err = [], None
            while time.time() < deadline and len(threads) < 3000:
                t = threading.Thread(target=time.sleep, args=(30,))
                try:
                    t.start()
                except (RuntimeError, MemoryError) as e:
                    err = type(e).__name__
                    break
                threads.append(t)
            return {"threads": len(threads), "error": err}
    """)
    r, b, dt = hostile(client, script, timeout=2)
    if r.status_code == 200:
        res = result_of(r, b)
        assert res["error"] is not None or res["threads"] == 3000, res
    else:
        u.assert_error(r, 422, error_types=("timeout", "memory_limit", "killed", "runtime_error"))


def test_thread_outlives_main(client):
    script = dedent("""\
        import threading, time
        def main():
            threading.Thread(target=time.sleep, args=(30,)).start()
            return "returned"
    """)
    r, b, dt = hostile(client, script, timeout=10)
    assert result_of(r, b) == "returned"
    assert dt < 3.0, "answered %.2f s after a main() that returned at once" % dt


def test_forked_child_outlives_main(client):
    script = dedent("""\
        import os, time
        def main():
            pid = os.fork()
            if pid == 0:
                try:
                    time.sleep(100)
                finally:
                    os._exit(0)
            return {"child": pid}
    """)
    r, b, dt = hostile(client, script, timeout=10)
    assert "child" in result_of(r, b)
    assert dt < 3.0, dt


def test_subprocess_outlives_main(client):
    script = dedent("""\
        import os, subprocess, sys
        def main():
            for argv in (["sleep", "100"], [sys.executable, "-c", "import time; time.sleep(100)"]):
                try:
                    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
                    return {"started": argv[0], "pid": p.pid}
                except OSError as e:
                    last = "%s: %s" % (argv[0], e)
            pid = os.fork()
            if pid == 0:
                try:
                    import time
                    time.sleep(100)
                finally:
                    os._exit(0)
            return {"started": "fork", "pid": pid, "exec_failed": last}
    """)
    r, b, dt = hostile(client, script, timeout=10)
    result_of(r, b)
    assert dt < 3.0, dt


def test_daemonized_grandchild(client):
    """Double fork + setsid + ignoring SIGTERM/SIGHUP: still gone afterwards."""
    script = dedent("""\
        import os, signal, time
        def main():
            pid = os.fork()
            if pid == 0:
                try:
                    os.setsid()
                    if os.fork() == 0:
                        signal.signal(signal.SIGTERM, signal.SIG_IGN)
                        signal.signal(signal.SIGHUP, signal.SIG_IGN)
                        time.sleep(100)
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
            return "detached"
    """)
    r, b, dt = hostile(client, script, timeout=10)
    assert result_of(r, b) == "detached"
    assert dt < 3.0


def test_os_exit_with_child_running(client):
    script = dedent("""\
        import os, time
        def main():
            if os.fork() == 0:
                try:
                    time.sleep(100)
                finally:
                    os._exit(0)
            os._exit(0)
    """)
    r, b, dt = hostile(client, script, timeout=5)
    u.assert_error(r, 422, "no_result")
    assert dt < 3.0


def test_sys_exit_3(client):
    r, b, _ = hostile(client, "import sys\ndef main():\n    sys.exit(3)\n", timeout=5)
    u.assert_error(r, 422, "system_exit")


def test_os_exit_0(client):
    r, b, _ = hostile(client, "import os\ndef main():\n    os._exit(0)\n", timeout=5)
    u.assert_error(r, 422, "no_result")


def test_segfault(client):
    r, b, _ = hostile(client, "import ctypes\ndef main():\n    return ctypes.string_at(0)\n",
                      timeout=5)
    if u.MODE == "warm" and "AddressSanitizer:DEADLYSIGNAL" in b.get("stderr", ""):
        pytest.skip("an ASan build's zygote handles the script's SIGSEGV itself")
    b = u.assert_error(r, 422, "killed")
    assert "SIGSEGV" in b["error"], b["error"]


@pytest.mark.parametrize("target", ["os.getppid()", "0", "-1", "1"])
def test_kill_parent_or_everything(client, daemon, target):
    script = dedent("""\
        import os, errno
        def main():
            try:
                os.kill(%s, 9)
                return "sent"
            except OSError as e:
                return errno.errorcode.get(e.errno, str(e.errno))
    """) % target
    r, b, _ = hostile(client, script, timeout=5)
    if r.status_code == 200:
        result_of(r, b)
    else:
        u.assert_error(r, 422, "killed")
    assert daemon.proc.poll() is None


# ---------------------------------------------------------------------------
# memory


def test_memory_bomb_bytearray(client):
    r, b, _ = hostile(client, "def main():\n    x = bytearray(1 << 30)\n    return len(x)\n",
                      timeout=5, memory=64)
    b = u.assert_error(r, 422, "memory_limit")
    peak = (b.get("usage") or {}).get("peak_memory_bytes")
    if peak:
        assert peak <= 80 * 1024 * 1024, "peak %d for a 64 MB limit" % peak


def test_memory_bomb_list_growth(client):
    script = dedent("""\
        def main():
            hog = []
            for i in range(3_000_000):     # ~3 GB if nothing stops it
                hog.append(bytes(1000) + str(i).encode())
            return len(hog)
    """)
    r, b, _ = hostile(client, script, timeout=5, memory=64)
    u.assert_error(r, 422, "memory_limit")


def test_memory_bomb_numpy_touching_pages(client):
    script = dedent("""\
        import numpy as np
        def main():
            a = np.zeros(1 << 30, dtype=np.uint8)
            a[::4096] = 1
            return int(a.sum())
    """)
    r, b, _ = hostile(client, script, timeout=5, memory=64)
    u.assert_error(r, 422, "memory_limit")


def test_memory_bomb_in_child(client):
    script = dedent("""\
        import os
        def main():
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    x = bytearray(1 << 30)
                except MemoryError:
                    code = 3
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            return {"signaled": os.WIFSIGNALED(status),
                    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}
    """)
    r, b, _ = hostile(client, script, timeout=5, memory=64)
    if r.status_code == 200:
        res = result_of(r, b)
        assert res["signaled"] is True or res["exit"] == 3, "1 GiB allocated under 64 MB: %s" % res
    else:
        u.assert_error(r, 422, "memory_limit")


def test_memory_below_limit_works(client):
    script = dedent("""\
        def main():
            a = bytearray(100 * 1024 * 1024)
            for i in range(0, len(a), 4096):
                a[i] = 1
            return len(a)
    """)
    r, b, _ = hostile(client, script, timeout=10, memory=256)
    assert result_of(r, b) == 100 * 1024 * 1024


def test_memory_default_flag(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "1", "--memory-default", "64"])
    r, b, _ = hostile(d.client, "def main():\n    x = bytearray(300 << 20)\n    return len(x)\n",
                      timeout=5)
    u.assert_error(r, 422, "memory_limit")


# ---------------------------------------------------------------------------
# filesystem

FILL_TMP = dedent("""\
    import errno
    def main():
        # several 4 MiB files, so that the size of /tmp itself is what stops
        # the writes (a single file would also meet RLIMIT_FSIZE)
        written = 0
        chunk = b"x" * (1 << 20)
        try:
            for n in range(%d):
                with open("/tmp/fill%%d" %% n, "wb") as f:
                    for _ in range(4):
                        f.write(chunk)
                        f.flush()
                        written += len(chunk)
        except OSError as e:
            return {"caught": errno.errorcode.get(e.errno, str(e.errno)), "written": written}
        return {"caught": None, "written": written}
""")


def test_fill_tmp(client):
    r, b, _ = hostile(client, FILL_TMP % 50, timeout=10, memory=256)
    res = result_of(r, b)
    assert res["caught"] in ("ENOSPC", "EDQUOT"), res
    assert 60 * 1024 * 1024 <= res["written"] <= 64 * 1024 * 1024, res


def test_tmp_size_flag(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "1", "--tmp-size", "8"])
    r, b, _ = hostile(d.client, FILL_TMP % 16, timeout=10, memory=128)
    res = result_of(r, b)
    assert res["caught"] in ("ENOSPC", "EDQUOT"), res
    assert res["written"] <= 8 * 1024 * 1024, res


def test_many_small_files(client):
    script = dedent("""\
        import errno, os, time
        def main():
            t0, n = time.time(), 0
            try:
                while n < 20000 and time.time() - t0 < 2:
                    open("/tmp/f%d" % n, "w").close()
                    n += 1
            except OSError as e:
                return {"n": n, "caught": errno.errorcode.get(e.errno)}
            return {"n": n, "caught": None}
    """)
    # the subject is the inode count, not memory (see u.incidental_memory)
    r, b, _ = hostile(client, script, timeout=5, memory=u.incidental_memory())
    result_of(r, b)


def test_root_filesystem_read_only(client):
    script = dedent("""\
        import errno, os
        def e(fn, *a):
            try:
                fn(*a)
                return "OK"
            except OSError as x:
                return errno.errorcode.get(x.errno, str(x.errno))
        def write(p):
            with open(p, "w") as f:
                f.write("x")
        def append(p):
            with open(p, "a") as f:
                f.write("x")
        def main():
            out = {}
            for p in ("/usr/x", "/etc/x", "/x", "/bin/x", "/lib/x", "/usr/lib/x",
                      "/usr/bin/x", "/proc/x", "/opt/x", "/usr/local/x"):
                out["write " + p] = e(write, p)
            out["mkdir /newdir"] = e(os.mkdir, "/newdir")
            out["mkdir /usr/newdir"] = e(os.mkdir, "/usr/newdir")
            for p in ("/etc/passwd", "/etc/hosts", "/usr/bin/python3"):
                if os.path.exists(p):
                    out["append " + p] = e(append, p)
            out["chmod python"] = e(os.chmod, os.path.realpath("/usr/bin/python3"), 0o777)
            out["unlink python"] = e(os.unlink, "/usr/bin/python3")
            out["rename /etc"] = e(os.rename, "/etc", "/etc2")
            out["sysrq"] = e(write, "/proc/sysrq-trigger")
            out["core_pattern"] = e(write, "/proc/sys/kernel/core_pattern")
            out["hostname"] = e(write, "/proc/sys/kernel/hostname")
            return out
    """)
    r, b, _ = hostile(client, script, timeout=5)
    res = result_of(r, b)
    bad = {k: v for k, v in res.items() if v == "OK"}
    assert not bad, "writes that succeeded: %s (all: %s)" % (bad, res)


def test_etc_shadow_unreadable(client):
    script = dedent("""\
        import errno
        def main():
            out = {}
            for p in ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh/ssh_host_rsa_key"):
                try:
                    with open(p) as f:
                        out[p] = "READ %d bytes" % len(f.read())
                except OSError as e:
                    out[p] = errno.errorcode.get(e.errno, str(e.errno))
            return out
    """)
    r, b, _ = hostile(client, script, timeout=5)
    res = result_of(r, b)
    for p, v in res.items():
        assert v in ("ENOENT", "EACCES", "EPERM"), (p, v)


def test_no_home_root_var(client):
    script = dedent("""\
        import os
        def main():
            out = {}
            for p in ("/root", "/home", "/var", "/var/tmp", "/srv", "/mnt", "/media", "/boot"):
                try:
                    out[p] = sorted(os.listdir(p))
                except FileNotFoundError:
                    out[p] = None
                except OSError as e:
                    out[p] = "error %d" % e.errno
            out["/var/tmp is"] = os.path.realpath("/var/tmp")
            return out
    """)
    r, b, _ = hostile(client, script, timeout=5)
    res = result_of(r, b)
    if res["/var"] == ["tmp"] and (res["/var/tmp"] == [] or res.pop("/var/tmp is") == "/tmp"):
        res["/var"] = res["/var/tmp"] = []  # /var/tmp: empty, or the jail's own /tmp
    res.pop("/var/tmp is", None)
    for p, v in res.items():
        assert v in (None, []) or (isinstance(v, str) and v.startswith("error")), (p, v)


def test_host_files_invisible(client, daemon, tmp_path):
    canary_file = "/tmp/e2e-canary-%d" % os.getpid()
    with open(canary_file, "w") as f:
        f.write("host secret")
    try:
        script = dedent("""\
            import os
            def main():
                def ex(p):
                    return os.path.exists(p)
                env_hits = [k for k, v in os.environ.items()
                            if %(canary)r in k or %(value)r in v]
                proc_env = {}
                pids = sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
                for pid in pids:
                    try:
                        with open("/proc/%%d/environ" %% pid, "rb") as f:
                            data = f.read()
                        proc_env[pid] = %(value)r.encode() in data
                    except OSError as e:
                        proc_env[pid] = "error %%d" %% e.errno
                try:
                    with open("/proc/1/cmdline", "rb") as f:
                        cmdline1 = f.read().replace(b"\\0", b" ").decode("utf-8", "replace")
                except OSError as e:
                    cmdline1 = "error %%d" %% e.errno
                try:
                    sys_entries = os.listdir("/sys")
                except OSError:
                    sys_entries = None
                return {
                    "pid": os.getpid(), "pids": pids, "env_hits": env_hits,
                    "proc_env": proc_env, "cmdline1": cmdline1, "sys": sys_entries,
                    "work": ex("/work"), "repo_makefile": ex(%(makefile)r),
                    "daemon_binary": ex(%(binary)r), "canary_file": ex(%(canary_file)r),
                    "host_tmp_dir": ex(%(tmpdir)r),
                    "daemon_proc": ex("/proc/%(dpid)d/environ") and %(dpid)d not in pids,
                }
        """) % {"canary": u.CANARY_ENV, "value": u.CANARY_VALUE,
                "makefile": os.path.join(u.REPO, "Makefile"), "binary": os.path.abspath(u.PYEXECD),
                "canary_file": canary_file, "tmpdir": str(tmp_path), "dpid": daemon.pid}
        r, b, _ = hostile(client, script, timeout=5)
        res = result_of(r, b)
    finally:
        os.unlink(canary_file)
    assert res["pid"] == 1, "the runner is not pid 1 in its namespace: %s" % res
    assert len(res["pids"]) <= 3, "sandbox sees processes %s" % res["pids"]
    assert res["env_hits"] == [], "the daemon's environment leaked into the script"
    assert not any(v is True for v in res["proc_env"].values()), res["proc_env"]
    if u.MODE == "cold":  # (warm: the runner is a fork of the daemon's zygote)
        assert "pyexecd" not in res["cmdline1"], res["cmdline1"]
    assert res["sys"] in (None, []), "/sys is visible: %s" % res["sys"][:20]
    for k in ("work", "repo_makefile", "daemon_binary", "canary_file", "host_tmp_dir",
              "daemon_proc"):
        assert res[k] is False, "%s visible in the sandbox: %s" % (k, res)


def test_concurrent_runs_do_not_share_tmp(client):
    token = "secret-%d-%d" % (os.getpid(), int(time.time() * 1000))
    writer = dedent("""\
        import os, time
        def main():
            with open("/tmp/%(t)s", "w") as f:
                f.write("secret")
            shm = False
            try:
                with open("/dev/shm/%(t)s", "w") as f:
                    f.write("secret")
                shm = True
            except OSError:
                pass
            time.sleep(2)
            return {"tmp": sorted(os.listdir("/tmp")), "shm": shm}
    """) % {"t": token}
    reader = dedent("""\
        import os
        def main():
            seen = {}
            for d in ("/tmp", "/dev/shm", "/var/tmp"):
                try:
                    seen[d] = sorted(os.listdir(d))
                except OSError:
                    seen[d] = None
            pids = sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
            return {"seen": seen, "pids": pids,
                    "direct": os.path.exists("/tmp/%(t)s") or os.path.exists("/dev/shm/%(t)s")}
    """) % {"t": token}
    out = []

    def run_writer():
        try:
            out.append(client.run(writer, timeout=10))
        except Exception as e:  # noqa: BLE001
            out.append(e)

    t = threading.Thread(target=run_writer)
    t.start()
    try:
        deadline = time.monotonic() + 5
        while client.health()["slots"]["busy"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # let the writer create its files
        r, b, _ = client.run(reader, timeout=5)
        res = result_of(r, b)
    finally:
        t.join(20)
    assert not isinstance(out[0], Exception), out
    wr = result_of(out[0][0], out[0][1])
    assert token in wr["tmp"], "writer did not run as intended: %s" % wr
    assert res["direct"] is False, res
    for d, names in res["seen"].items():
        assert not names or token not in names, "%s of another run visible: %s" % (d, names)
    assert res["pids"] == [1], "reader sees other processes: %s" % res["pids"]


# ---------------------------------------------------------------------------
# identity and privileges


def test_identity_and_capabilities(client):
    script = dedent("""\
        import errno, os, socket
        def main():
            with open("/proc/self/status") as f:
                st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
            st = {k: v.strip() for k, v in st.items()}
            def rd(p):
                try:
                    with open(p) as f:
                        return f.read()
                except OSError as e:
                    return "error %d" % e.errno
            try:
                os.setuid(0)
                setuid = "OK"
            except OSError as e:
                setuid = errno.errorcode.get(e.errno)
            try:
                os.setgroups([0])
                setgroups = "OK"
            except OSError as e:
                setgroups = errno.errorcode.get(e.errno)
            return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
                    "CapEff": st["CapEff"], "CapPrm": st["CapPrm"], "CapInh": st["CapInh"],
                    "CapAmb": st.get("CapAmb"), "NoNewPrivs": st.get("NoNewPrivs"),
                    "Seccomp": st.get("Seccomp"), "hostname": socket.gethostname(),
                    "nodename": os.uname().nodename, "uid_map": rd("/proc/self/uid_map"),
                    "gid_map": rd("/proc/self/gid_map"), "setuid": setuid,
                    "setgroups": setgroups, "cwd": os.getcwd()}
    """)
    r, b, _ = hostile(client, script, timeout=5)
    res = result_of(r, b)
    assert res["uid"] == 1000 and res["euid"] == 1000, res
    for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert int(res[cap], 16) == 0, (cap, res)
    assert res["NoNewPrivs"] == "1", res
    assert res["Seccomp"] == "2", res
    assert res["hostname"] == "pyexec" and res["nodename"] == "pyexec", res
    assert res["setuid"] != "OK" and res["setgroups"] != "OK", res
    assert res["cwd"] == "/tmp"
    lines = [tuple(int(x) for x in l.split()) for l in res["uid_map"].splitlines() if l.strip()]
    assert any(i == 1000 and u.SANDBOX_UID <= o < u.SANDBOX_UID + u.SLOT_RANGE and n == 1
               for i, o, n in lines), res["uid_map"]
    for inside, outside, count in lines:
        assert not outside <= 0 < outside + count, "host root is mapped: %s" % res["uid_map"]
    glines = [tuple(int(x) for x in l.split()) for l in res["gid_map"].splitlines() if l.strip()]
    for inside, outside, count in glines:
        assert not outside <= 0 < outside + count, "host gid 0 is mapped: %s" % res["gid_map"]


SYSCALLS_HEAD = dedent("""\
    import ctypes, errno, os, signal, time
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    def main():
        out = {}
        def call(name, fn):
            ctypes.set_errno(0)
            rc = fn()
            err = ctypes.get_errno()
            out[name] = "OK" if rc >= 0 else errno.errorcode.get(err, str(err))
""")


def _syscall_results(client, body):
    script = SYSCALLS_HEAD + indent(body, "    ") + "    return out\n"
    r, b, _ = hostile(client, script, timeout=5)
    return result_of(r, b)


def test_privileged_operations_fail(client):
    body = dedent("""\
        call("unshare(CLONE_NEWUSER)", lambda: libc.unshare(0x10000000))
        call("unshare(CLONE_NEWNS)", lambda: libc.unshare(0x00020000))
        call("unshare(CLONE_NEWNET)", lambda: libc.unshare(0x40000000))
        call("unshare(CLONE_NEWPID)", lambda: libc.unshare(0x20000000))
        call("mount tmpfs", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
        call("mount proc", lambda: libc.mount(b"proc", b"/tmp", b"proc", 0, None))
        call("remount / rw", lambda: libc.mount(None, b"/", None, 32 | 4096, None))
        call("umount2 /usr", lambda: libc.umount2(b"/usr", 2))
        call("chroot", lambda: libc.chroot(b"/tmp"))
        call("pivot_root", lambda: libc.syscall(155, b"/tmp", b"/tmp"))
        call("init_module", lambda: libc.syscall(175, None, 0, b""))
        call("kexec_load", lambda: libc.syscall(246, 0, 0, None, 0))
        call("swapon", lambda: libc.syscall(167, b"/tmp", 0))
        call("ptrace(TRACEME)", lambda: libc.ptrace(0, 0, None, None))
        pid = os.fork()
        if pid == 0:
            try:
                time.sleep(30)
            finally:
                os._exit(0)
        try:
            call("ptrace(ATTACH child)", lambda: libc.ptrace(16, pid, None, None))
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    """)
    res = _syscall_results(client, body)
    ok = {k: v for k, v in res.items() if v == "OK"}
    assert not ok, "succeeded in the sandbox: %s (all: %s)" % (sorted(ok), res)


def test_risky_syscalls_blocked(client):
    """Syscalls a seccomp policy for untrusted code denies (kernel attack surface)."""
    body = dedent("""\
        params = ctypes.create_string_buffer(120)
        call("io_uring_setup", lambda: libc.syscall(425, 4, params))
        attr = ctypes.create_string_buffer(128)
        ctypes.memset(attr, 0, 128)
        ctypes.c_uint32.from_buffer(attr, 0).value = 1       # PERF_TYPE_SOFTWARE
        ctypes.c_uint32.from_buffer(attr, 4).value = 128     # size
        ctypes.c_uint64.from_buffer(attr, 40).value = 1 << 5 # exclude_kernel
        call("perf_event_open", lambda: libc.syscall(298, attr, 0, -1, -1, 0))
        battr = ctypes.create_string_buffer(64)
        ctypes.c_uint32.from_buffer(battr, 0).value = 2      # BPF_MAP_TYPE_ARRAY
        ctypes.c_uint32.from_buffer(battr, 4).value = 4
        ctypes.c_uint32.from_buffer(battr, 8).value = 4
        ctypes.c_uint32.from_buffer(battr, 12).value = 1
        call("bpf", lambda: libc.syscall(321, 0, battr, 64))
        call("userfaultfd", lambda: libc.syscall(323, 0))
        call("add_key", lambda: libc.syscall(248, b"user", b"e2e", b"x", 1, -2))
        call("keyctl", lambda: libc.syscall(250, 0, -2, 0))
        aio = ctypes.c_ulong(0)
        call("io_setup", lambda: libc.syscall(206, 64, ctypes.byref(aio)))
        ldt = ctypes.create_string_buffer(16)
        call("modify_ldt(read)", lambda: libc.syscall(154, 0, ldt, 16))
    """)
    res = _syscall_results(client, body)
    ok = {k: v for k, v in res.items() if v == "OK"}
    assert not ok, "succeeded in the sandbox: %s (all: %s)" % (sorted(ok), res)


def test_calls_newer_than_libseccomp_refused(client):
    """Calls libseccomp 2.5.4 cannot name are refused by number; bogus
    arguments would give EFAULT/EBADF/EINVAL from the kernel itself."""
    body = dedent("""\
        call("statmount", lambda: libc.syscall(457, None, None, 0, 0))
        call("listmount", lambda: libc.syscall(458, None, None, 0, 0))
        call("open_tree_attr", lambda: libc.syscall(467, -1, None, 0, None, 0))
        call("cachestat", lambda: libc.syscall(451, -1, None, None, 0))
    """)
    res = _syscall_results(client, body)
    assert res == {k: "EPERM" for k in res} and len(res) == 4, res


# ---------------------------------------------------------------------------
# network


def test_no_network(client):
    script = dedent("""\
        import errno, socket
        PORT = %d
        def main():
            out = {}
            def attempt(name, fn):
                try:
                    fn()
                    out[name] = "OK"
                except OSError as e:
                    out[name] = "%%s:%%s" %% (type(e).__name__, errno.errorcode.get(e.errno or 0, e.errno))
            def tcp(host, port, fam=socket.AF_INET):
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(1)
                try:
                    s.connect((host, port))
                finally:
                    s.close()
            def raw(fam, typ, proto=0):
                socket.socket(fam, typ, proto).close()
            attempt("tcp 127.0.0.1 daemon port", lambda: tcp("127.0.0.1", PORT))
            attempt("tcp 127.0.0.1:22", lambda: tcp("127.0.0.1", 22))
            attempt("tcp [::1] daemon port", lambda: tcp("::1", PORT, socket.AF_INET6))
            attempt("packet socket", lambda: raw(socket.AF_PACKET, socket.SOCK_RAW))
            attempt("raw icmp socket", lambda: raw(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
            try:
                out["interfaces"] = [n for _, n in socket.if_nameindex()]
            except OSError as e:
                out["interfaces"] = "error %%d" %% e.errno
            return out
    """) % client.port
    r, b, _ = hostile(client, script, timeout=5)
    res = result_of(r, b)
    for k in ("tcp 127.0.0.1 daemon port", "tcp 127.0.0.1:22", "tcp [::1] daemon port",
              "packet socket", "raw icmp socket"):
        assert res[k] != "OK", "%s succeeded: %s" % (k, res)
    if isinstance(res["interfaces"], list):
        assert set(res["interfaces"]) <= {"lo"}, res["interfaces"]


def test_inherited_fds(client):
    script = dedent("""\
        import os, socket
        def main():
            out = []
            for name in sorted(os.listdir("/proc/self/fd"), key=int):
                fd = int(name)
                try:
                    target = os.readlink("/proc/self/fd/%d" % fd)
                except OSError:
                    continue
                info = {"fd": fd, "target": target}
                if target.startswith("socket:"):
                    try:
                        s = socket.socket(fileno=os.dup(fd))
                        info["family"] = int(s.family)
                        info["name"] = repr(s.getsockname())
                        s.close()
                    except OSError as e:
                        info["err"] = str(e)
                out.append(info)
            return out
    """)
    r, b, _ = hostile(client, script, timeout=5)
    fds = result_of(r, b)
    assert len(fds) <= 8, fds
    for f in fds:
        assert str(client.port) not in f.get("name", ""), "daemon socket inherited: %s" % f
        assert f.get("family") not in (2, 10), "an inet socket is inherited: %s" % f
        t = f["target"]
        assert not t.startswith(("/work", "/home", "/root", "/sys", "/etc", "/var")), f
        assert not t.startswith("/tmp/pytest"), f


# ---------------------------------------------------------------------------
# output floods


def test_print_100mb(client):
    script = dedent("""\
        import sys
        def main():
            chunk = "y" * (1 << 20)
            for _ in range(100):
                sys.stdout.write(chunk)
            return "printed"
    """)
    r, b, dt = hostile(client, script, timeout=10, slack=5)
    assert len(r.content) < 4 << 20, "response is %d bytes" % len(r.content)
    if r.status_code == 200:
        assert b["stdout_truncated"] is True and len(b["stdout"]) <= 1 << 20
    else:
        u.assert_error(r, 422, "output_limit")
    assert dt < 10


def test_print_100mb_single_write(client):
    script = "def main():\n    print('z' * (100 << 20))\n    return 'printed'\n"
    r, b, _ = hostile(client, script, timeout=10, memory=512, slack=5)
    assert len(r.content) < 4 << 20, "response is %d bytes" % len(r.content)
    if r.status_code == 200:
        assert b["stdout_truncated"] is True
    else:
        u.assert_error(r, 422, "output_limit")


def test_stderr_flood(client):
    script = dedent("""\
        import os
        def main():
            chunk = b"w" * (1 << 20)
            for _ in range(100):
                os.write(2, chunk)
            return "printed"
    """)
    r, b, _ = hostile(client, script, timeout=10, slack=5)
    assert len(r.content) < 4 << 20
    if r.status_code == 200:
        assert b["stderr_truncated"] is True
    else:
        u.assert_error(r, 422, "output_limit")


def test_output_flood_from_children(client):
    script = dedent("""\
        import os, time
        def main():
            for _ in range(4):
                if os.fork() == 0:
                    try:
                        chunk = b"c" * (1 << 20)
                        t0 = time.time()
                        for _ in range(50):
                            if time.time() - t0 > 3:
                                break
                            os.write(1, chunk)
                    finally:
                        os._exit(0)
            for _ in range(4):
                os.wait()
            return "done"
    """)
    r, b, _ = hostile(client, script, timeout=10, slack=5)
    assert len(r.content) < 4 << 20
    if r.status_code == 200:
        assert b["stdout_truncated"] is True
    else:
        u.assert_error(r, 422, "output_limit")


# ---------------------------------------------------------------------------
# the runner's own channels


def test_closing_all_fds(client):
    script = "import os\ndef main():\n    os.closerange(3, 4096)\n    return 'closed'\n"
    r, b, _ = hostile(client, script, timeout=5)
    if r.status_code == 200:
        result_of(r, b)
    else:
        u.assert_error(r, 422)


def test_writing_junk_to_all_fds(client):
    script = dedent("""\
        import os
        def main():
            junk = b'\\x00\\xff{"success": true, "result": "forged", "execution_method": "x"}\\n' * 50
            for fd in range(3, 64):
                try:
                    os.write(fd, junk)
                except OSError:
                    pass
            return "real"
    """)
    r, b, _ = hostile(client, script, timeout=5)
    if r.status_code == 200:
        result_of(r, b)
        assert b["execution_method"] == "sandbox"
    else:
        u.assert_error(r, 422)


def test_stdout_closed(client):
    script = "import os, sys\ndef main():\n    os.close(1)\n    os.close(2)\n    return 'closed'\n"
    r, b, _ = hostile(client, script, timeout=5)
    if r.status_code == 200:
        result_of(r, b)
    else:
        u.assert_error(r, 422)


# ---------------------------------------------------------------------------
# the daemon itself


def test_shutdown_during_execution(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "2"])
    out = []

    def run():
        try:
            out.append(d.client.run("import time\ndef main():\n    time.sleep(2)\n    return 1\n",
                                    timeout=10))
        except Exception as e:  # noqa: BLE001 - any outcome is fine, the cleanup is checked
            out.append(e)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 5
    while d.client.health()["slots"]["busy"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    problems = d.stop()
    t.join(20)
    assert not problems, "\n".join(problems) + "\n" + d.log_tail()
