"""The spawner (in warm mode: the zygote) dying must not take the service
down: executions in flight get a clear 503, the supervisor starts a new
spawner, and later executions succeed.  Nothing the dead spawner built may
be left behind.  Also the `pyexecd run FILE` command and warm-mode memory
staying flat over many executions."""

import json
import os
import signal
import subprocess
import threading
import time

import e2e_util as u


def _spawner_pid(client):
    return client.health()["processes"]["spawner"]["pid"]


def _wait_healthy_with_new_spawner(client, old_pid, limit=60.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            r = client.get("/health", timeout=2.0)
            if r.status_code == 200:
                h = r.json()
                if h["status"] == "healthy" and h["processes"]["spawner"]["pid"] != old_pid:
                    return h
        except Exception:
            pass
        time.sleep(0.1)
    raise AssertionError("no healthy new spawner within %.0f s" % limit)


def test_spawner_killed_mid_execution_is_restarted(start_daemon):
    d = start_daemon(["--slots", "2", "--queue", "4"])
    c = d.client
    c.ok("def main():\n    return 1\n")
    old = _spawner_pid(c)
    box = {}

    def slow():
        box["r"] = c.execute("import time\ndef main():\n    time.sleep(20)\n    return 1\n",
                             timeout=30, http_timeout=60)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(1.5)  # the slow execution is running in a jail now
    os.kill(old, signal.SIGKILL)
    t.join(40)
    assert not t.is_alive(), "the in-flight request was never answered"
    r = box["r"]
    body = u.json_body(r)
    assert r.status_code == 503 and body["error_type"] == "unavailable", (r.status_code, body)

    h = _wait_healthy_with_new_spawner(c, old)
    assert h["status"] == "healthy"
    body = c.ok("def main():\n    return 'after restart'\n")
    assert body["result"] == "after restart"
    # the sleeping jail died with its spawner; nothing of it remains
    deadline = time.monotonic() + 5
    while u.jails_of(d.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not u.jails_of(d.pid)
    assert "spawner_restarted" in open(d.log_path, encoding="utf-8", errors="replace").read()


def test_restarted_spawner_leaves_no_cgroups(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "1"])
    c = d.client
    for _ in range(2):
        old = _spawner_pid(c)
        os.kill(old, signal.SIGKILL)
        _wait_healthy_with_new_spawner(c, old)
        c.ok("def main():\n    return 2\n")
    # exactly one subtree of this daemon per hierarchy, with no execution left in it
    dirs = u.cgroup_dirs_named(d.pid)
    assert not [x for x in dirs if "/exec-" in x], dirs


def test_cli_run_prints_the_daemon_answer(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("def main():\n    print('from cli')\n    return {'x': [1, 2]}\n")
    p = subprocess.run([u.PYEXECD, "run", "--timeout-default", "20", str(script)],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    body = json.loads(p.stdout)
    assert body["success"] is True and body["result"] == {"x": [1, 2]}
    assert body["stdout"] == "from cli\n"

    p = subprocess.run([u.PYEXECD, "run", "-"], input=b"def main():\n    return 1/0\n",
                       capture_output=True, timeout=60)
    assert p.returncode == 1
    body = json.loads(p.stdout)
    assert body["success"] is False and body["error_type"] == "runtime_error"
    assert 'File "script.py", line 2' in body["traceback"]

    p = subprocess.run([u.PYEXECD, "run", "-"], input=b"def nope():\n    pass\n",
                       capture_output=True, timeout=60)
    assert p.returncode == 1 and json.loads(p.stdout)["error_type"] == "missing_main"


def _pss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def test_daemon_memory_stays_flat(start_daemon):
    """Hundreds of executions must not grow the daemon (a leak per execution
    of even a few KB would show)."""
    if "/asan/" in u.PYEXECD or os.environ.get("ASAN_OPTIONS"):
        import pytest
        pytest.skip("ASan keeps freed memory in quarantine: PSS is no measure of leaks there "
                    "(the ASan run checks memory errors instead)")
    d = start_daemon(["--slots", "2", "--queue", "8"])
    c = d.client
    script = ("import json\ndef main():\n    print('x' * 1000)\n"
              "    return {'k': list(range(100))}\n")
    for _ in range(20):
        c.ok(script)
    pids = [d.pid] + list(d.tree())
    before = _pss_kb(pids)
    for _ in range(200):
        c.ok(script)
    after = _pss_kb([d.pid] + list(d.tree()))
    assert after - before < 4096, "daemon PSS grew from %d kB to %d kB over 200 runs" % (before, after)


def test_prebuilt_jail_pool(start_daemon):
    """--pool N keeps jails built ahead of requests; each still serves one
    request only, with that request's own limits."""
    d = start_daemon(["--slots", "2", "--queue", "8", "--pool", "2"])
    c = d.client
    seen = set()
    for _ in range(6):
        body = c.ok("import random, os\ndef main():\n"
                    "    open('/tmp/mark', 'x').write('1')\n"
                    "    return [random.random(), os.getpid(), sorted(os.listdir('/tmp'))]\n")
        r, pid, listing = body["result"]
        assert r not in seen
        seen.add(r)
        assert pid == 1 and listing == ["mark"], body["result"]  # a fresh jail each time
        assert body["usage"]["setup_ms"] >= 0
    r, body, _ = c.run("def main():\n    x = bytearray(100 << 20)\n    return len(x)\n",
                       memory=32)
    assert r.status_code == 422 and body["error_type"] == "memory_limit", body
    body = c.ok("def main():\n    x = bytearray(100 << 20)\n    return len(x)\n", memory=256)
    assert body["result"] == 100 << 20
    r, body, dt = c.run("def main():\n    while True:\n        pass\n", timeout=1)
    assert r.status_code == 422 and body["error_type"] == "timeout", body
    assert dt < 6
