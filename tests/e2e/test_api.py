"""The success side of the API contract: /health, response fields, request
ids, output capture, result conversion, scheduling."""

import ctypes
import os
import platform
import signal
import threading
import time
from textwrap import dedent

import pytest

import e2e_util as u

pytestmark = pytest.mark.usefixtures("no_leaks")

NAMESPACES = {"user", "pid", "mount", "net", "ipc", "uts"}
CGROUP_V1_HOST = os.path.isdir("/sys/fs/cgroup/memory") and os.path.isdir("/sys/fs/cgroup/pids")


# ---------------------------------------------------------------------------
# /health


def test_health_contract(client):
    t0 = time.monotonic()
    r = client.get("/health")
    assert time.monotonic() - t0 < 1.0
    b = u.json_body(r)
    assert r.status_code == 200
    assert b["status"] == "healthy"
    u.assert_timestamp(b["timestamp"])
    assert b["python"] == platform.python_version(), "sandbox python vs Debian's /usr/bin/python3"
    assert b["temp_writable"] is True
    assert b["execution_method"] == "sandbox"
    assert b["mode"] == u.MODE
    iso = b["isolation"]
    assert NAMESPACES <= set(iso["namespaces"]), iso["namespaces"]
    assert iso["seccomp"] is True
    cg = iso["cgroup"]
    assert cg["version"] in ("v1", "v2", "none")
    assert isinstance(cg["path"], str)
    if CGROUP_V1_HOST:
        assert cg["version"] == "v1", "this host has cgroup v1 controllers: %s" % cg
        assert cg["limits"] == {"memory": "cgroup", "pids": "cgroup", "cpu": "cgroup"}, cg
        assert u.cgroup_dirs_for(cg["path"]), "cgroup path %r does not exist" % cg["path"]
    s = b["slots"]
    assert s["total"] == 2 and s["queue_max"] == 8, s
    assert s["busy"] == 0 and s["queued"] == 0, s
    lean = b["processes"]["lean_zygote"]  # its own tests: test_lean_zygote.py
    if u.MODE == "cold":
        assert lean is None, lean
    else:
        assert lean is None or (set(lean) == {"pid"} and lean["pid"] > 1), lean


def test_health_with_query_string(client):
    r = client.get("/health", params={"probe": "1"})
    assert r.status_code == 200 and u.json_body(r)["status"] == "healthy"


def test_daemon_process_tree(daemon):
    """The daemon is the supervisor; below it a front and a spawner."""
    assert len(daemon.initial_tree) >= 2, daemon.initial_tree
    if u.MODE == "cold":
        assert len(daemon.initial_tree) == 2, daemon.initial_tree
        assert len(daemon.baseline.tree) == 2, daemon.baseline.tree
    assert not daemon.baseline.uid_procs or u.MODE != "cold", \
        "sandbox-uid processes while idle: %s" % daemon.baseline.uid_procs


# ---------------------------------------------------------------------------
# /execute success


def test_success_response_fields(client):
    script = dedent("""\
        import sys
        def main():
            print("to stdout")
            print("to stderr", file=sys.stderr)
            return {"a": 1, "b": [1, 2.5, "x", None, True]}
    """)
    r = client.execute(script)
    b = u.json_body(r)
    assert r.status_code == 200, b
    assert b["success"] is True
    assert b["result"] == {"a": 1, "b": [1, 2.5, "x", None, True]}
    assert b["stdout"] == "to stdout\n"
    assert b["stderr"] == "to stderr\n"
    assert b["stdout_truncated"] is False and b["stderr_truncated"] is False
    u.assert_timestamp(b["timestamp"])
    assert b["execution_method"] == "sandbox"
    assert isinstance(b["request_id"], str) and b["request_id"]
    assert r.headers.get("X-Request-Id") == b["request_id"]
    usage = b["usage"]
    for k in ("wall_ms", "cpu_ms", "peak_memory_bytes", "queue_ms", "setup_ms"):
        assert isinstance(usage[k], (int, float)) and not isinstance(usage[k], bool), (k, usage)
        assert usage[k] >= 0, (k, usage)


def test_client_request_id_is_echoed(client):
    rid = "e2e-test-0123456789abcdef"
    r = client.execute("def main():\n    return 1\n", headers={"X-Request-Id": rid})
    assert r.status_code == 200
    assert r.headers.get("X-Request-Id") == rid
    assert u.json_body(r)["request_id"] == rid
    r = client.get("/health", headers={"X-Request-Id": rid})
    assert r.headers.get("X-Request-Id") == rid


def test_request_ids_differ(client):
    ids = {client.execute("def main():\n    return 1\n").headers.get("X-Request-Id")
           for _ in range(3)}
    assert None not in ids and len(ids) == 3, ids


@pytest.mark.parametrize("method,path,kw", [
    ("GET", "/health", {}),
    ("GET", "/nope", {}),
    ("GET", "/execute", {}),
    ("POST", "/health", {"data": b"{}"}),
    ("POST", "/execute", {"data": b"not json"}),
    ("POST", "/execute", {"data": b'{"script": "def main():\\n    raise ValueError(1)"}'}),
    ("POST", "/execute", {"data": b'{"script": "def main():\\n    return 1"}'}),
])
def test_every_response_has_request_id(client, method, path, kw):
    r = client.request(method, path, headers={"Content-Type": "application/json"}, **kw)
    assert r.headers.get("X-Request-Id"), (r.status_code, dict(r.headers))


@pytest.mark.parametrize("expr,expected", [
    ("None", None), ("True", True), ("False", False), ("0", 0), ("-17", -17),
    ("2**53", 2**53), ("1.5", 1.5), ("'s'", "s"), ("''", ""), ("[]", []), ("{}", {}),
    ("(1, 2)", [1, 2]), ("[1, [2, [3, {'k': None}]]]", [1, [2, [3, {"k": None}]]]),
    ("{'nested': {'deep': [1.25, 'x']}}", {"nested": {"deep": [1.25, "x"]}}),
    ("'quote \" backslash \\\\ newline \\n tab \\t'", "quote \" backslash \\ newline \n tab \t"),
])
def test_result_types(client, expr, expected):
    b = client.ok("def main():\n    return %s\n" % expr)
    assert b["result"] == expected
    assert type(b["result"]) is type(expected)


def test_nested_result(client):
    b = client.ok("def main():\n    r = 0\n    for _ in range(300):\n        r = [r]\n    return r\n")
    r = b["result"]
    depth = 0
    while isinstance(r, list):
        r = r[0]
        depth += 1
    assert depth == 300 and r == 0


def test_numpy_result_conversion(client):
    script = dedent("""\
        import numpy as np
        def main():
            return {
                "i64": np.int64(5), "i32": np.int32(-3), "u8": np.uint8(200),
                "f64": np.float64(2.5), "f32": np.float32(0.5), "bool": np.bool_(True),
                "arr": np.arange(3), "mat": np.array([[1, 2], [3, 4]]),
                "farr": np.array([0.25, 1.5]), "list": [np.int64(1), np.float64(1.5)],
            }
    """)
    b = client.ok(script)
    assert b["result"] == {"i64": 5, "i32": -3, "u8": 200, "f64": 2.5, "f32": 0.5, "bool": True,
                           "arr": [0, 1, 2], "mat": [[1, 2], [3, 4]], "farr": [0.25, 1.5],
                           "list": [1, 1.5]}
    assert isinstance(b["result"]["i64"], int) and isinstance(b["result"]["arr"][0], int)


def test_unicode_roundtrip(client):
    script = "def main():\n    print('h\u00e9llo \u2713 \U0001F600')\n    return 'caf\u00e9 \u4e2d\u6587 \U0001F600'\n"
    b = client.ok(script)
    assert b["result"] == "caf\u00e9 \u4e2d\u6587 \U0001F600"
    assert b["stdout"] == "h\u00e9llo \u2713 \U0001F600\n"


def test_module_output_then_main_output(client):
    b = client.ok("print('module')\ndef main():\n    print('main')\n    return 1\n")
    assert b["stdout"] == "module\nmain\n"


def test_stdin_is_empty(client):
    script = dedent("""\
        import sys
        def main():
            try:
                return {"read": sys.stdin.read()}
            except Exception as e:
                return {"error": type(e).__name__}
    """)
    r, b, dt = client.run(script, timeout=5)
    assert r.status_code == 200 and dt < 4, (dt, b)
    assert b["result"] in ({"read": ""}, {"error": "OSError"}, {"error": "ValueError"},
                           {"error": "AttributeError"}), b["result"]


SIGNAL_PROBE = dedent("""\
    import os, signal
    def mask(name):
        for line in open("/proc/self/status"):
            if line.startswith(name + ":"):
                return int(line.split()[1], 16)
    def main():
        table = {}
        for sig in range(1, signal.NSIG):
            h = signal.getsignal(sig)
            table[sig] = None if h is None else h.__name__ if callable(h) else int(h)
        return {"table": table, "ignored": mask("SigIgn"), "caught": mask("SigCgt")}
""")


def assert_fresh_python3_signals(result):
    table = {int(k): v for k, v in result["table"].items()}
    bit = lambda sig: 1 << (sig - 1)
    assert result["ignored"] == bit(signal.SIGPIPE) | bit(signal.SIGXFSZ), result
    assert result["caught"] == bit(signal.SIGINT), result
    # None: signals Python does not own (glibc's real-time pair), none of these
    assert all(table[s] is not None for s in (signal.SIGINT, signal.SIGPIPE, signal.SIGHUP))
    expected = {sig: int(signal.SIG_DFL) for sig in table if table[sig] is not None}
    expected[signal.SIGINT] = "default_int_handler"
    expected[signal.SIGPIPE] = expected[signal.SIGXFSZ] = int(signal.SIG_IGN)
    assert {k: v for k, v in table.items() if v is not None} == expected


@pytest.mark.skipif(u.under_valgrind(), reason="memcheck handles every signal itself and emulates "
                    "the script's dispositions: /proc and the kernel's delivery show its own")
@pytest.mark.parametrize("imports", ["", "import pandas\n"], ids=["plain", "pandas"])
def test_signal_dispositions_are_a_fresh_python3s(client, imports):
    """As `python3 script.py` under a clean init: SIGINT raises KeyboardInterrupt,
    SIGPIPE and SIGXFSZ are ignored, every other signal has its default, and
    signal.getsignal() says so.  In warm mode both zygotes set this up in each
    child (the embedded interpreter skips it, and the jail resets every
    disposition); a pandas script runs in the full zygote, a plain one in the
    lean one."""
    assert_fresh_python3_signals(client.ok(imports + SIGNAL_PROBE)["result"])


LOCALE_PROBE = r"""
import locale, os, sys
def main():
    with open("/tmp/café.txt", "w") as f:
        f.write("naïve café\n")
    os.environ["PYEXEC_TEST"] = "é"
    return [sys.getfilesystemencoding(), locale.getpreferredencoding(False),
            locale.setlocale(locale.LC_CTYPE), os.listdir("/tmp"),
            open("/tmp/café.txt").read()]
"""


@pytest.mark.parametrize("imports", ["", "import pandas\n"], ids=["plain", "pandas"])
def test_locale_is_a_fresh_python3s(client, imports):
    """The locale python3 starts with under the jail's LANG=C.UTF-8, in both
    zygotes too: file names, open()'s text and os.environ take UTF-8.  (An
    embedded interpreter with an isolated pre-configuration stays in the "C"
    locale, whose ASCII refuses "café".)"""
    r = client.ok(imports + LOCALE_PROBE)["result"]
    assert r == ["utf-8", "UTF-8", "C.UTF-8", ["café.txt"], "naïve café\n"], r


PROC_SELF_PROBE = """\
import os
def main():
    out = {}
    with open("/proc/self/environ", "rb") as f:
        # cold: python3's own environment; warm: the zygote's, wiped at its start
        out["environ_keys"] = sorted({e.split(b"=")[0].decode() for e in f.read().split(b"\\0")
                                      if b"=" in e})
    with open("/proc/self/status") as f:
        out["uid_line"] = next(l.split()[1:] for l in f if l.startswith("Uid:"))
    st = os.stat("/proc/self/fd")
    out["proc_owner"] = [st.st_uid, st.st_gid]
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("500")
    with open("/proc/self/oom_score_adj") as f:
        out["oom_score_adj"] = f.read().strip()
    return out
"""


@pytest.mark.parametrize("imports", ["", "import pandas\n"], ids=["plain", "pandas"])
def test_proc_self_is_a_fresh_python3s(client, imports):
    """/proc/self belongs to the script as in a process that exec'd python3:
    a warm child, which never execs, is made dumpable again after its
    credentials changed (it could not read its own environ, nor raise its
    own oom_score_adj)."""
    r = client.ok(imports + PROC_SELF_PROBE)["result"]
    keys = r.pop("environ_keys")
    if u.under_valgrind() and u.MODE == "warm":
        keys = []  # memcheck's own copy of the start-up environment, which the daemon cannot wipe
    # the jail's fixed environment (src/spawner/payload.c), never the daemon's
    assert set(keys) <= {"PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE",
                         "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "USER",
                         "LOGNAME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}, keys
    assert r == {"uid_line": ["1000"] * 4, "proc_owner": [1000, 1000], "oom_score_adj": "500"}, r


class _KernelSigaction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("flags", ctypes.c_ulong),
                ("restorer", ctypes.c_void_p), ("mask", ctypes.c_uint64)]


def _raw_sigaction(sig, new):
    """rt_sigaction(2) itself (x86_64), for the signals glibc keeps to itself (32, 33)."""
    old = _KernelSigaction()
    libc = ctypes.CDLL(None, use_errno=True)
    r = libc.syscall(13, sig, ctypes.byref(new) if new else None, ctypes.byref(old), 8)
    assert r == 0, os.strerror(ctypes.get_errno())
    return old


@pytest.mark.skipif(u.under_valgrind(), reason="memcheck handles every signal itself and emulates "
                    "the script's dispositions: /proc and the kernel's delivery show its own")
@pytest.mark.skipif(platform.machine() != "x86_64", reason="rt_sigaction's number and layout")
def test_signal_dispositions_under_nohup(start_daemon):
    """A daemon started with SIGHUP and SIGQUIT ignored (nohup, a shell's
    background job), and glibc's reserved 32 and 33 too (seen from a CI
    runner), passes none of them on: the jail resets every disposition, and
    in warm mode signal.getsignal() must not answer from the zygote's own."""
    inherited = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGHUP, signal.SIGQUIT)}
    reserved = {s: _raw_sigaction(s, _KernelSigaction(handler=1)) for s in (32, 33)}  # SIG_IGN
    try:
        d = start_daemon([])
    finally:
        for s, h in inherited.items():
            signal.signal(s, h)
        for s, old in reserved.items():
            _raw_sigaction(s, old)
    for imports in ("", "import pandas\n"):
        assert_fresh_python3_signals(d.client.ok(imports + SIGNAL_PROBE)["result"])


@pytest.mark.skipif(u.under_valgrind(), reason="memcheck handles every signal itself and emulates "
                    "the script's dispositions: /proc and the kernel's delivery show its own")
def test_broken_pipe_raises_in_a_forked_child(client):
    """A process the script forks inherits SIGPIPE ignored, so writing to a pipe
    nobody reads raises BrokenPipeError there, as under python3, instead of the
    signal killing it."""
    script = dedent("""\
        import os
        def main():
            r, w = os.pipe()
            os.close(r)
            pid = os.fork()
            if pid == 0:
                try:
                    os.write(w, b"x")
                    os._exit(1)
                except BrokenPipeError:
                    os._exit(7)
            _, status = os.waitpid(pid, 0)
            return {"exited": os.WIFEXITED(status), "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}
    """)
    b = client.ok(script)
    assert b["result"] == {"exited": True, "code": 7, "signal": None}, b["result"]


def test_unknown_fields_ignored(client):
    b = client.ok("def main():\n    return 7\n", foo=1, bar={"x": [1]}, language="python")
    assert b["result"] == 7


@pytest.mark.parametrize("limits", [
    {"timeout": 1.5}, {"timeout": 300}, {"timeout": 30, "memory": 128}, {"memory": 2048},
    {"memory": 64}, {"memory": 100.5}, {"timeout": 2, "memory": 256},
])
def test_valid_limits_accepted(client, limits):
    assert client.ok("def main():\n    return 'ok'\n", **limits)["result"] == "ok"


def test_content_type_variants(client):
    body = b'{"script": "def main():\\n    return 3"}'
    for ctype in ("application/json", "application/json; charset=utf-8", "text/plain", None):
        r = client.post_raw(body, content_type=ctype)
        assert r.status_code == 200 and u.json_body(r)["result"] == 3, (ctype, r.text[:300])


def test_chunked_upload(client):
    parts = [b'{"script": ', b'"def main():\\n', b'    return {\\"chunked\\": True}"', b"}"]
    r = client.post("/execute", data=iter(parts), headers={"Content-Type": "application/json"})
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    b = u.json_body(r)
    assert r.status_code == 200 and b["result"] == {"chunked": True}, b


def test_keepalive_connection(client):
    with client.session() as s:  # answers checked against docs/openapi.json
        for i in range(5):
            r = s.post(client.url("/execute"), timeout=30,
                       json={"script": "def main():\n    return %d\n" % i})
            assert r.status_code == 200 and r.json()["result"] == i
        r = s.get(client.url("/health"), timeout=5)
        assert r.status_code == 200


# ---------------------------------------------------------------------------
# output capture


def test_stdout_truncated_at_default_cap(client):
    script = dedent("""\
        import sys
        def main():
            chunk = "0123456789abcdef" * 4096
            for _ in range(24):          # 1.5 MiB
                sys.stdout.write(chunk)
            print("small", file=sys.stderr)
            return "done"
    """)
    r, b, _ = client.run(script, timeout=10)
    assert r.status_code == 200, u.short(b)
    assert b["result"] == "done"
    assert b["stdout_truncated"] is True and b["stderr_truncated"] is False
    out = b["stdout"].encode()
    assert 0 < len(out) <= 1 << 20, len(out)
    assert ("0123456789abcdef" * 4096 * 24).encode().startswith(out)
    assert b["stderr"] == "small\n"


def test_stderr_truncated_at_default_cap(client):
    script = dedent("""\
        import sys
        def main():
            chunk = "e" * 65536
            for _ in range(24):
                sys.stderr.write(chunk)
            print("fine")
            return "done"
    """)
    r, b, _ = client.run(script, timeout=10)
    assert r.status_code == 200, u.short(b)
    assert b["stderr_truncated"] is True and b["stdout_truncated"] is False
    assert 0 < len(b["stderr"]) <= 1 << 20 and set(b["stderr"]) == {"e"}
    assert b["stdout"] == "fine\n"


def test_custom_output_cap(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "2", "--max-output-bytes", "4096"])
    b = d.client.ok("def main():\n    print('a' * 6000, end='')\n    return 1\n")
    assert b["stdout_truncated"] is True
    assert 0 < len(b["stdout"]) <= 4096 and set(b["stdout"]) == {"a"}
    b = d.client.ok("def main():\n    print('b' * 4000, end='')\n    return 1\n")
    assert b["stdout_truncated"] is False and b["stdout"] == "b" * 4000


def test_non_utf8_output_is_replaced(client):
    script = dedent("""\
        import os
        def main():
            os.write(1, b"abc\\xff\\xfe\\xc3def\\n")
            os.write(2, b"err\\x80\\n")
            return 1
    """)
    r = client.execute(script)
    assert r.status_code == 200
    b = u.json_body(r)  # valid JSON despite the bytes
    assert b["stdout"].startswith("abc") and b["stdout"].endswith("def\n"), repr(b["stdout"])
    assert b["stderr"].startswith("err") and b["stderr"].endswith("\n"), repr(b["stderr"])


def test_output_interleaving_and_flushing(client):
    """Output written without newline or flush, and from os.write, all arrives."""
    script = dedent("""\
        import os, sys
        def main():
            sys.stdout.write("a")
            os.write(1, b"")
            print("b", end="")
            sys.stderr.write("c")
            return 1
    """)
    b = client.ok(script)
    assert "a" in b["stdout"] and "b" in b["stdout"] and b["stderr"] == "c"


# ---------------------------------------------------------------------------
# isolation between runs


def test_runs_do_not_share_state(client):
    write = dedent("""\
        import builtins, os
        def main():
            with open("/tmp/persist.txt", "w") as f:
                f.write("x")
            builtins.PYEXEC_LEFTOVER = 1
            os.environ["PYEXEC_LEFTOVER"] = "1"
            return sorted(os.listdir("/tmp"))
    """)
    check = dedent("""\
        import builtins, os
        def main():
            return {"file": os.path.exists("/tmp/persist.txt"),
                    "builtin": hasattr(builtins, "PYEXEC_LEFTOVER"),
                    "env": "PYEXEC_LEFTOVER" in os.environ}
    """)
    assert "persist.txt" in client.ok(write)["result"]
    for _ in range(2):
        assert client.ok(check)["result"] == {"file": False, "builtin": False, "env": False}


def test_randomness_differs_between_runs(client):
    script = dedent("""\
        import os, random
        import numpy as np
        def main():
            return [random.random(), float(np.random.rand()), os.urandom(8).hex()]
    """)
    a = client.ok(script)["result"]
    b = client.ok(script)["result"]
    assert a[0] != b[0], "random.random() repeats between runs"
    assert a[1] != b[1], "numpy's global RandomState repeats between runs"
    assert a[2] != b[2]


# ---------------------------------------------------------------------------
# usage accounting


def test_usage_wall_and_cpu(client):
    b = client.ok(dedent("""\
        import time
        def main():
            time.sleep(0.3)
            t = time.process_time()
            while time.process_time() - t < 0.3:
                pass
            return 1
    """), timeout=10)
    usage = b["usage"]
    assert usage["wall_ms"] >= 550, usage
    assert usage["cpu_ms"] >= 250, usage
    assert usage["wall_ms"] < 8000 and usage["setup_ms"] < 5000, usage


@pytest.mark.skipif(not CGROUP_V1_HOST, reason="no cgroup memory controller")
def test_usage_peak_memory(client):
    b = client.ok(dedent("""\
        def main():
            a = bytearray(60 * 1024 * 1024)
            for i in range(0, len(a), 4096):
                a[i] = 1
            return len(a)
    """), memory=256, timeout=10)
    assert b["usage"]["peak_memory_bytes"] >= 60 * 1024 * 1024, b["usage"]
    assert b["usage"]["peak_memory_bytes"] < 256 * 1024 * 1024, b["usage"]


# ---------------------------------------------------------------------------
# scheduling


SLEEP = "import time\ndef main():\n    time.sleep(%s)\n    return %s\n"


def _in_threads(fn, args_list):
    results = [None] * len(args_list)

    def run(i, args):
        try:
            results[i] = fn(*args)
        except Exception as e:  # noqa: BLE001
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    return threads, results


def test_two_slots_run_in_parallel(client):
    t0 = time.monotonic()
    threads, results = _in_threads(lambda i: client.run(SLEEP % (1.5, i), timeout=10),
                                   [(0,), (1,)])
    for t in threads:
        t.join(30)
    dt = time.monotonic() - t0
    for i, res in enumerate(results):
        assert not isinstance(res, Exception), res
        assert res[0].status_code == 200 and res[1]["result"] == i, res[1]
    assert dt < 2.9, "two 1.5 s scripts on two slots took %.2f s" % dt


def test_queue_and_health_while_busy(client):
    threads, results = _in_threads(lambda i: client.run(SLEEP % (1.5, i), timeout=10),
                                   [(i,) for i in range(4)])
    try:
        seen = None
        deadline = time.monotonic() + 6
        slowest = 0.0
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            h = client.health(timeout=2)
            slowest = max(slowest, time.monotonic() - t0)
            if h["slots"]["busy"] == 2 and h["slots"]["queued"] == 2:
                seen = h
                break
            time.sleep(0.05)
        assert seen is not None, "never saw 2 busy + 2 queued; last %s" % h["slots"]
        assert seen["status"] == "healthy"
        assert slowest < 1.0, "/health took %.2f s with all slots busy" % slowest
    finally:
        for t in threads:
            t.join(30)
    for i, res in enumerate(results):
        assert not isinstance(res, Exception), res
        assert res[0].status_code == 200 and res[1]["result"] == i, res[1]
    queued = sorted(res[1]["usage"]["queue_ms"] for res in results)
    assert queued[-1] >= 700 and queued[-2] >= 700, queued


# ---------------------------------------------------------------------------
# behaviours the README documents beyond the seeds


def test_async_main(client):
    script = "import asyncio\nasync def main():\n    await asyncio.sleep(0.01)\n    return 'awaited'\n"
    assert client.ok(script)["result"] == "awaited"


def test_datetime_result_is_iso_string(client):
    script = dedent("""\
        import datetime
        def main():
            return {"dt": datetime.datetime(2024, 1, 2, 3, 4, 5), "d": datetime.date(2024, 1, 2)}
    """)
    res = client.ok(script)["result"]
    assert res["dt"].startswith("2024-01-02T03:04:05") and res["d"] == "2024-01-02", res


def test_dunder_main_block_runs(client):
    script = "def main():\n    return 1\n\nif __name__ == '__main__':\n    print('as main')\n"
    assert client.ok(script)["stdout"] == "as main\n"
