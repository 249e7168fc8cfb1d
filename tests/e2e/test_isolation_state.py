"""No state carries over between executions, whatever the mode: in warm
mode every execution is a fork of the same zygote, so what one script
changes in the interpreter (module attributes, library options, imported
modules) and every random source must come out fresh in the next one.
Also: SIGTERM lets an in-flight execution finish before the daemon exits."""

import signal
import threading
import time
from textwrap import dedent

import e2e_util as u


def test_random_sources_differ(client):
    script = dedent("""\
        import random, secrets, uuid, tempfile
        import numpy as np
        def main():
            return {"random": random.random(),
                    "np_legacy": float(np.random.rand()),
                    "np_rng": float(np.random.default_rng().random()),
                    "secrets": secrets.token_hex(8),
                    "uuid4": str(uuid.uuid4()),
                    "tempfile": tempfile.mktemp()}
    """)
    runs = [client.ok(script)["result"] for _ in range(3)]
    for key in runs[0]:
        values = [r[key] for r in runs]
        assert len(set(values)) == 3, "%s repeats between executions: %s" % (key, values)


def test_module_changes_do_not_leak(client):
    change = dedent("""\
        import sys, json
        import numpy as np
        import pandas as pd
        def main():
            pd.set_option("display.max_rows", 3)
            np.pyexec_patched = True
            np.mean = lambda *a, **k: 42
            json.dumps = None
            sys.modules["pyexec_planted"] = object()
            return [pd.get_option("display.max_rows"), float(np.mean([1, 2]))]
    """)
    check = dedent("""\
        import sys, json
        import numpy as np
        import pandas as pd
        def main():
            return {"max_rows": pd.get_option("display.max_rows"),
                    "patched": hasattr(np, "pyexec_patched"),
                    "mean": float(np.mean([1, 2])),
                    "json": json.dumps([1]),
                    "planted": "pyexec_planted" in sys.modules}
    """)
    assert client.ok(change)["result"] == [3, 42.0]
    got = client.ok(check)["result"]
    assert got == {"max_rows": 60, "patched": False, "mean": 1.5, "json": "[1]",
                   "planted": False}, got


def sigterm_during(d, script, timeout):
    """Sends the daemon SIGTERM while script runs (0.8 s into it); returns
    the script's response, and the time of the signal, once the daemon has
    exited, which it must do with status 0."""
    box = {}

    def slow():
        box["r"] = d.client.execute(script, timeout=timeout, http_timeout=60)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.8)
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    t.join(30)
    d.proc.wait(20)
    assert d.proc.returncode == 0
    d.returncode = d.proc.returncode  # stopped here, not by the fixture
    return box["r"], t0


def test_sigterm_drains_in_flight_work(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "2"])
    r, _ = sigterm_during(d, "import time\ndef main():\n    time.sleep(2)\n    return 'done'\n", 10)
    assert r.status_code == 200 and u.json_body(r)["result"] == "done", r.text[:300]
    assert not u.cgroup_dirs_named(d.pid)


def test_sigterm_grace_period_then_kill(start_daemon):
    """Past --shutdown-grace the daemon answers what still runs with 503,
    kills it, and exits 0 with nothing left behind."""
    d = start_daemon(["--slots", "1", "--queue", "2", "--shutdown-grace", "1"])
    r, t0 = sigterm_during(d, "import time\ndef main():\n    time.sleep(30)\n    return 1\n", 60)
    assert r.status_code == 503, r.text[:300]
    assert time.monotonic() - t0 < 10
    deadline = time.monotonic() + 5
    while u.jails_of(d.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not u.jails_of(d.pid)
    assert not u.cgroup_dirs_named(d.pid)
