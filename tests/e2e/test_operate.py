"""Operating features of the HTTP front: GET /metrics (Prometheus text format),
API-key authentication, GET /openapi.json, and real responses of every kind
(every status, every error_type) provoked from one daemon.

Each response is checked against docs/openapi.json by the Client itself
(openapi_check.py, whose own self-test is test_openapi_check.py); this file
checks that the served document is that file, and that the responses of
test_responses_conform_to_openapi cover every documented status.
"""

import json
import math
import os
import re
import secrets
import signal
import subprocess
import threading
import time

import pytest

import e2e_util as u
import openapi_check as oc

OK_SCRIPT = "def main():\n    return 1\n"
SLEEP_SCRIPT = "import time\ndef main():\n    time.sleep(%s)\n    return 'slow'\n"


# ---------------------------------------------------------------------------
# Prometheus text format


SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def parse_metrics(text):
    """{(name, ((label, value), ...)): float} and {family: type}; asserts the
    format: every sample's family has a TYPE line before it, no duplicates."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, fam, typ = line.split(" ", 3)
            assert fam not in types, "TYPE of %s twice" % fam
            types[fam] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.groups()
        pairs = tuple(sorted(LABEL_RE.findall(labels or "")))
        fam = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert fam in types or name in types, "sample %s before its TYPE line" % name
        key = (name, pairs)
        assert key not in samples, "duplicate sample %r" % line
        samples[key] = float(value)
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def check_histograms(samples, types):
    """Buckets are cumulative (non-decreasing in le) and +Inf equals _count."""
    for fam, typ in types.items():
        if typ != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                rest = tuple(p for p in labels if p[0] != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((math.inf if le == "+Inf" else float(le), v))
        for rest, buckets in series.items():
            buckets.sort()
            counts = [c for _, c in buckets]
            assert counts == sorted(counts), "%s%s: buckets not cumulative %s" % (fam, rest, buckets)
            assert buckets[-1][0] == math.inf, "%s%s: no +Inf bucket" % (fam, rest)
            assert buckets[-1][1] == samples[(fam + "_count", rest)], "%s%s: +Inf != _count" % (fam, rest)
            assert (fam + "_sum", rest) in samples, "%s%s: no _sum" % (fam, rest)


def scrape(c, headers=None):
    r = c.get("/metrics", headers=headers or {})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    samples, types = parse_metrics(r.text)
    check_histograms(samples, types)
    return samples


def wait_for(pred, limit=10.0, what="condition"):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def long_request(c, seconds, box, headers=None):
    try:
        box.append(c.execute(SLEEP_SCRIPT % seconds, timeout=30, headers=headers))
    except Exception as e:  # noqa: BLE001 - reported by the caller
        box.append(e)


def walk_refs(node, out):
    if isinstance(node, dict):
        if "$ref" in node:
            out.append(node["$ref"])
        for v in node.values():
            walk_refs(v, out)
    elif isinstance(node, list):
        for v in node:
            walk_refs(v, out)
    return out


def fetch_spec(c):
    r = c.get("/openapi.json")
    assert r.status_code == 200, r.status_code
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return oc.Checker(r.json())


# ---------------------------------------------------------------------------
# helpers: keys and process memory


def new_key(tag):
    return "pyexec-e2e-%s-%s" % (tag, secrets.token_hex(12))


def bearer(key):
    return {"Authorization": "Bearer " + key}


def raw_post_status(port, body, extra_headers=b""):
    """POSTs body over a plain socket and returns the answer's status, or None
    when the server closed before an answer could be read (it may stop reading
    a body it has refused)."""
    data = u.raw_post(port, body, extra_headers)
    # a complete answer is checked; none at all (closed before one could be
    # read) or a cut one cannot be
    parsed = oc.check_raw("POST", "/execute", data,
                          "raw POST /execute: closed before a complete answer")
    return parsed[0] if parsed else (int(data.split(b" ", 2)[1]) if data else None)


# Mappings larger than this are reservations (ASan's shadow is terabytes), not
# data: reading them would only fault in zero pages by the billion.
SCAN_MAPPING_MAX = 1 << 30


def memory_holds(pid, needle):
    """Whether any writable mapping of pid (up to SCAN_MAPPING_MAX each)
    contains needle, read through /proc/pid/mem."""
    overlap = len(needle) - 1
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            f = line.split()
            if "r" not in f[1] or "w" not in f[1] or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in f[0].split("-"))
            if end - start > SCAN_MAPPING_MAX:
                continue
            pos, tail = start, b""
            while pos < end:
                n = min(1 << 20, end - pos)
                try:
                    mem.seek(pos)
                    chunk = mem.read(n)
                except OSError:
                    break
                if needle in tail + chunk:
                    return True
                tail = chunk[-overlap:] if overlap else b""
                pos += n
    return False


# ---------------------------------------------------------------------------
# /openapi.json


def test_openapi_document(client):
    spec = fetch_spec(client)
    doc = spec.doc
    assert doc["openapi"].startswith("3."), doc.get("openapi")
    assert set(doc["paths"]) == {"/execute", "/health", "/metrics", "/openapi.json"}, doc["paths"]
    assert set(doc["paths"]["/execute"]) == {"post"}
    for p in ("/health", "/metrics", "/openapi.json"):
        assert "get" in doc["paths"][p], p
    want = {"200", "400", "401", "404", "405", "413", "422", "429", "500", "503"}
    assert want <= set(doc["paths"]["/execute"]["post"]["responses"]), \
        sorted(doc["paths"]["/execute"]["post"]["responses"])
    refs = walk_refs(doc, [])
    assert refs
    for ref in refs:
        spec.resolve({"$ref": ref})  # raises if dangling
    # identical to the file in the repository: the binary embeds it
    with open(os.path.join(u.REPO, "docs", "openapi.json"), encoding="utf-8") as f:
        assert json.load(f) == doc
    r = client.request("HEAD", "/openapi.json")
    assert r.status_code == 200 and not r.content
    r = client.post("/openapi.json", data=b"{}")
    u.assert_error(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET, HEAD"


# ---------------------------------------------------------------------------
# /metrics


def test_metrics_open_by_default(client):
    s = scrape(client)
    assert value(s, "pyexec_slots_total") == 2 and value(s, "pyexec_queue_max") == 8, s
    assert value(s, "pyexec_spawner_up") == 1
    info = [k for k in s if k[0] == "pyexec_build_info"]
    assert len(info) == 1 and s[info[0]] == 1, info
    labels = dict(info[0][1])
    assert labels["mode"] == u.MODE and labels["cgroup"] in ("v1", "v2", "none"), labels
    assert re.match(r"^\d+\.\d+", labels["version"]), labels
    assert client.request("HEAD", "/metrics").status_code == 200


def test_metrics_change_with_requests(start_daemon):
    d = start_daemon(["--slots", "1", "--queue", "0", "--max-body-bytes", "4096",
                      "--max-script-bytes", "2048"])
    c = d.client
    m0 = scrape(c)
    for name in ("pyexec_http_requests_total", "pyexec_executions_total",
                 "pyexec_queue_wait_seconds", "pyexec_sandbox_setup_seconds",
                 "pyexec_execution_run_seconds", "pyexec_http_request_duration_seconds",
                 "pyexec_slots_busy", "pyexec_queue_depth", "pyexec_slots_total",
                 "pyexec_queue_max", "pyexec_sandbox_setup_failures_total",
                 "pyexec_spawner_restarts_total", "pyexec_http_rejected_total",
                 "pyexec_build_info"):
        assert any(k[0].startswith(name) for k in m0), "%s missing" % name
    assert value(m0, "pyexec_slots_total") == 1 and value(m0, "pyexec_queue_max") == 0
    assert value(m0, "pyexec_spawner_restarts_total") == 0
    assert value(m0, "pyexec_sandbox_setup_failures_total") == 0

    c.ok(OK_SCRIPT)
    u.assert_error(c.execute("def main():\n    raise KeyError('k')\n"), 422, "runtime_error")
    u.assert_error(c.execute("def main(:\n"), 400, "syntax_error")
    u.assert_error(c.post_raw(b"not json"), 400, "invalid_json")
    u.assert_error(c.post_raw(b"x" * 5000), 413, "payload_too_large")
    u.assert_error(c.execute("#" * 3000 + "\ndef main():\n    return 1\n"), 413, "payload_too_large")
    u.assert_error(c.get("/nope"), 404, "not_found")
    m1 = scrape(c)

    def delta(name, **labels):
        return value(m1, name, **labels) - value(m0, name, **labels)

    assert delta("pyexec_http_requests_total", route="/execute", status="200") == 1
    assert delta("pyexec_http_requests_total", route="/execute", status="422") == 1
    assert delta("pyexec_http_requests_total", route="/execute", status="400") == 2
    assert delta("pyexec_http_requests_total", route="/execute", status="413") == 2
    assert delta("pyexec_http_requests_total", route="other", status="404") == 1
    # the scrape before this one has completed by now
    assert delta("pyexec_http_requests_total", route="/metrics", status="200") == 1
    assert delta("pyexec_executions_total", outcome="ok") == 1
    assert delta("pyexec_executions_total", outcome="runtime_error") == 1
    assert delta("pyexec_executions_total", outcome="syntax_error") == 1
    assert value(m1, "pyexec_executions_total", outcome="invalid_json") == 0, \
        "a body refused by the front is not an execution"
    for h in ("pyexec_queue_wait_seconds", "pyexec_sandbox_setup_seconds",
              "pyexec_execution_run_seconds"):
        assert delta(h + "_count") == 3, h
        assert delta(h + "_sum") >= 0, h
    assert delta("pyexec_execution_run_seconds_sum") > 0
    assert delta("pyexec_sandbox_setup_seconds_sum") > 0
    assert delta("pyexec_http_request_duration_seconds_count", route="/execute") == 6
    assert delta("pyexec_http_rejected_total", reason="too_large") == 2
    assert delta("pyexec_http_rejected_total", reason="queue_full") == 0

    # a busy slot shows in the gauges, and the 429 it causes in the rejections
    box = []
    t = threading.Thread(target=long_request, args=(c, 2.5, box))
    t.start()
    try:
        busy = wait_for(lambda: (lambda s: s if value(s, "pyexec_slots_busy") == 1 else None)(scrape(c)),
                        what="pyexec_slots_busy 1")
        assert value(busy, "pyexec_queue_depth") == 0
        u.assert_error(c.execute(OK_SCRIPT), 429, "queue_full")
    finally:
        t.join(30)
    assert not isinstance(box[0], Exception) and box[0].status_code == 200, box
    m2 = scrape(c)
    assert value(m2, "pyexec_http_rejected_total", reason="queue_full") == 1
    assert value(m2, "pyexec_http_requests_total", route="/execute", status="429") == 1
    assert value(m2, "pyexec_executions_total", outcome="ok") == value(m1, "pyexec_executions_total", outcome="ok") + 1
    assert value(m2, "pyexec_slots_busy") == 0
    assert value(m2, "pyexec_execution_run_seconds_bucket", le="1") < \
        value(m2, "pyexec_execution_run_seconds_bucket", le="5"), "the 2.5 s run lies in (1, 5]"


def test_timeout_counted(client):
    before = scrape(client)
    u.assert_error(client.execute(SLEEP_SCRIPT % 5, timeout=1), 422, "timeout")
    after = scrape(client)
    assert value(after, "pyexec_executions_total", outcome="timeout") == \
        value(before, "pyexec_executions_total", outcome="timeout") + 1


def test_pool_serves_requests_and_refills(start_daemon):
    """--pool: pyexec_executions_prebuilt_total counts the requests a pre-built
    jail served.  Without --pool it stays 0.  With it, the pool is refilled
    between requests, and also while a long script runs (the spawner waits
    only for short ones to report first), so a request that comes in then
    still finds a jail waiting."""
    hello = "def main():\n    return 1\n"

    def prebuilt(c):
        return value(scrape(c), "pyexec_executions_prebuilt_total")

    plain = start_daemon(["--slots", "2", "--queue", "8"])
    plain.client.ok(hello)
    assert prebuilt(plain.client) == 0   # stopped and checked for leaks by the fixture

    d = start_daemon(["--slots", "2", "--queue", "8", "--pool", "1"])
    c = d.client

    def served_prebuilt():
        before = prebuilt(c)
        c.ok(hello)
        return prebuilt(c) == before + 1

    # Each request takes the one waiting jail; the next finds a new one once it is built.
    for _ in range(3):
        wait_for(served_prebuilt, limit=60.0, what="a request served by a pre-built jail")

    box = []
    t = threading.Thread(target=long_request, args=(u.Client(c.base_url), 20, box))
    t.start()
    try:
        wait_for(lambda: value(scrape(c), "pyexec_slots_busy") == 1, limit=30.0,
                 what="the long script running")
        wait_for(served_prebuilt, limit=60.0,
                 what="a pre-built jail while the long script runs")
        assert t.is_alive() and not box, "the long script ended before the check: %r" % box
    finally:
        t.join(60)
    assert box and not isinstance(box[0], Exception) and box[0].status_code == 200, box


def test_pool_default_depends_on_the_mode(start_daemon):
    """--pool auto, the default: two pre-built jails in warm mode, none in cold."""
    d = start_daemon(["--pool", "auto"])
    hello = "def main():\n    return 1\n"
    if u.MODE == "warm":
        wait_for(lambda: len(d.jails()) == 2, limit=30.0, what="two pre-built jails at idle")
        d.client.ok(hello)
        assert value(scrape(d.client), "pyexec_executions_prebuilt_total") == 1
    else:
        for _ in range(3):
            d.client.ok(hello)
        assert value(scrape(d.client), "pyexec_executions_prebuilt_total") == 0
        assert not d.jails(), d.jails()


# ---------------------------------------------------------------------------
# authentication


def test_api_keys(start_daemon, monkeypatch, tmp_path):
    env_keys = [new_key("env1"), new_key("env2")]
    file_key = new_key("file")
    keys_file = tmp_path / "keys"
    keys_file.write_text("# pyexec keys\n\n%s\n" % file_key)
    os.chmod(keys_file, 0o600)  # root-only: read by the supervisor before the front drops root
    monkeypatch.setenv("PYEXEC_API_KEYS", ",".join(env_keys))
    d = start_daemon(["--api-keys-file", str(keys_file)])
    c = d.client

    for k in env_keys + [file_key]:
        assert c.ok(OK_SCRIPT, headers=bearer(k))["result"] == 1
    assert c.ok(OK_SCRIPT, headers={"Authorization": "bearer   %s " % file_key})["result"] == 1

    def refused(r, invalid):
        b = u.assert_error(r, 401, "unauthorized")
        assert set(b) == {"success", "error", "error_type", "timestamp", "request_id"}, b
        www = r.headers.get("WWW-Authenticate", "")
        assert www.startswith("Bearer"), dict(r.headers)
        assert ('error="invalid_token"' in www) == invalid, www
        assert r.headers.get("X-Request-Id")

    refused(c.execute(OK_SCRIPT), False)
    refused(c.execute(OK_SCRIPT, headers=bearer("wrong")), True)
    refused(c.execute(OK_SCRIPT, headers=bearer(env_keys[0][:-1])), True)
    refused(c.execute(OK_SCRIPT, headers=bearer(env_keys[0] + "x")), True)
    refused(c.execute(OK_SCRIPT, headers=bearer(env_keys[0] + "," + env_keys[1])), True)
    refused(c.execute(OK_SCRIPT, headers={"Authorization": "Basic " + env_keys[0]}), False)
    refused(c.execute(OK_SCRIPT, headers={"Authorization": env_keys[0]}), False)
    refused(c.execute(OK_SCRIPT, headers={"Authorization": "Bearer "}), False)
    # refused on the headers: a large body is not waited for (nor read)
    t0 = time.monotonic()
    assert raw_post_status(c.port, b"x" * (8 << 20)) in (401, None)
    assert time.monotonic() - t0 < 10
    # the path is protected whatever the method (no 405 before authentication)
    refused(c.get("/execute"), False)
    u.assert_error(c.get("/execute", headers=bearer(file_key)), 405, "method_not_allowed")

    # open endpoints
    assert c.get("/health").status_code == 200
    assert c.get("/openapi.json").status_code == 200
    s = scrape(c)  # open without --metrics-auth
    assert value(s, "pyexec_http_rejected_total", reason="auth") == 10
    u.assert_error(c.get("/nope"), 404, "not_found")

    # keys never reach the log; the config line shows their number
    log = open(d.log_path, encoding="utf-8", errors="replace").read()
    for k in env_keys + [file_key]:
        assert k not in log
    assert '\\"api_keys\\":3' in log, [l for l in log.splitlines() if '"config"' in l]

    # the spawner (of which every warm jail is a fork) holds no copy; the front does
    h = c.health()
    needle = file_key.encode()
    front, spawner = h["processes"]["front"]["pid"], h["processes"]["spawner"]["pid"]
    try:
        in_front = memory_holds(front, needle)
    except OSError as e:
        pytest.skip("cannot read the daemon's memory here: %s" % e)
    if not in_front:
        pytest.skip("the memory scan does not find the key in the front either")
    # (a sanitizer runtime keeps its own copy of the start-up environment: there,
    # only the file's key can be checked)
    for k in [file_key] if u.sanitized_build() or u.under_valgrind() else env_keys + [file_key]:
        assert not memory_holds(spawner, k.encode()), "the spawner's memory holds an API key"
    # nor does a running script see it anywhere in its environment or command lines
    probe = ("import os\ndef main():\n    seen = []\n"
             "    for p in ('/proc/self/environ', '/proc/1/environ', '/proc/1/cmdline'):\n"
             "        try:\n            seen.append(open(p, 'rb').read().decode('latin-1'))\n"
             "        except OSError:\n            pass\n"
             "    return seen + [repr(dict(os.environ))]\n")
    out = json.dumps(c.ok(probe, headers=bearer(file_key))["result"])
    for k in env_keys + [file_key]:
        assert k not in out


def test_metrics_auth(start_daemon, monkeypatch):
    key = new_key("metrics")
    monkeypatch.setenv("PYEXEC_API_KEYS", key)
    monkeypatch.setenv("PYEXEC_METRICS_AUTH", "1")
    d = start_daemon([])
    c = d.client
    r = c.get("/metrics")
    u.assert_error(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    u.assert_error(c.get("/metrics", headers=bearer("nope")), 401, "unauthorized")
    s = scrape(c, headers=bearer(key))
    assert value(s, "pyexec_http_rejected_total", reason="auth") == 2
    assert c.get("/health").status_code == 200
    assert c.get("/openapi.json").status_code == 200


def run_pyexecd(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYEXEC_")}
    env.update(env_extra or {})
    return subprocess.run([u.PYEXECD] + args, env=env, capture_output=True, text=True, timeout=20)


def test_key_configuration_errors(tmp_path):
    secret = new_key("bad")
    bad = tmp_path / "bad-keys"
    bad.write_text("fine-key\n%s with-space\n" % secret)
    p = run_pyexecd(["--api-keys-file", str(bad)])
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "line 2" in p.stderr and secret not in p.stderr + p.stdout, p.stderr

    empty = tmp_path / "empty-keys"
    empty.write_text("# none yet\n")
    p = run_pyexecd(["--api-keys-file", str(empty)])
    assert p.returncode == 2 and "contains no key" in p.stderr, p.stderr

    p = run_pyexecd(["--api-keys-file", str(tmp_path / "missing")])
    assert p.returncode == 2 and "cannot read" in p.stderr, p.stderr

    p = run_pyexecd([], {"PYEXEC_API_KEYS": "ok," + "k" * 257})
    assert p.returncode == 2 and "longer than 256" in p.stderr, p.stderr
    p = run_pyexecd([], {"PYEXEC_API_KEYS": ",".join("k%d" % i for i in range(65))})
    assert p.returncode == 2 and "more than 64" in p.stderr, p.stderr
    p = run_pyexecd(["--metrics-auth"])
    assert p.returncode == 2 and "--metrics-auth needs API keys" in p.stderr, p.stderr

    p = run_pyexecd(["--help"])
    assert p.returncode == 0
    for flag in ("--api-keys-file", "PYEXEC_API_KEYS_FILE", "env PYEXEC_API_KEYS,",
                 "--metrics-auth", "PYEXEC_METRICS_AUTH"):
        assert flag in p.stdout, flag


# ---------------------------------------------------------------------------
# conformance: real responses of every kind against the served document


def test_responses_conform_to_openapi(start_daemon, monkeypatch):
    key = new_key("conform")
    monkeypatch.setenv("PYEXEC_API_KEYS", key)
    d = start_daemon(["--slots", "1", "--queue", "0", "--metrics-auth",
                      "--max-body-bytes", "16384", "--max-script-bytes", "8192"])
    c = d.client
    spec = fetch_spec(c)
    auth = bearer(key)
    failures, seen = [], {}

    def check(method, path, r, status=None, error_type=None):
        if status is not None:
            got = (r.status_code, r.json().get("error_type") if method != "HEAD" and
                   r.headers.get("Content-Type", "").startswith("application/json") else None)
            if got[0] != status or (error_type and got[1] != error_type):
                failures.append("%s %s: expected %s %s, got %s" % (method, path, status, error_type, got))
                return
        # (the Client has checked r against docs/openapi.json; this is the served copy)
        failures.extend(spec.check(method, path, r.status_code, r.headers, r.content))
        seen.setdefault(r.status_code, set()).add(
            (path, r.json().get("error_type") if method != "HEAD" and path != "/metrics" else None))

    def ex(script, status, error_type=None, **kw):
        check("POST", "/execute", c.execute(script, headers=auth, **kw), status, error_type)

    def raw(data, status, error_type):
        check("POST", "/execute", c.post_raw(data, headers=auth), status, error_type)

    # 200
    ex(OK_SCRIPT, 200)
    ex("def main():\n    print('out')\n    return None\n", 200)
    ex("import numpy as np\ndef main():\n    return {'a': np.arange(3), 'f': 0.1, 's': 'x'}\n", 200)
    # 400
    raw(b"not json", 400, "invalid_json")
    raw(b"", 400, "invalid_json")
    raw(b"[]", 400, "invalid_request")
    raw(b'{"script": 5}', 400, "invalid_request")
    ex(OK_SCRIPT, 400, "invalid_limit", timeout=-1)
    ex(OK_SCRIPT, 400, "invalid_limit", memory=1)
    ex("def main(:\n    return 1\n", 400, "syntax_error")
    ex("def helper():\n    return 1\n", 400, "missing_main")
    r = c.post_raw(b'{"script": "def main():\\n    return \'\\ud800\'"}', headers=auth)
    check("POST", "/execute", r, 400)
    # 413
    raw(b"x" * 17000, 413, "payload_too_large")
    ex("#" * 9000 + "\ndef main():\n    return 1\n", 413, "payload_too_large")
    # 422
    ex("def main():\n    raise ValueError('bad')\n", 422, "runtime_error")
    ex("import sys\ndef main():\n    sys.exit(2)\n", 422, "system_exit")
    ex("def main():\n    return float('nan')\n", 422, "result_nan")
    ex("def main():\n    return object()\n", 422, "result_not_serializable")
    ex("main = 5\n", 422, "main_not_callable")
    ex("import os\ndef main():\n    os._exit(0)\n", 422, "no_result")
    ex(SLEEP_SCRIPT % 5, 422, "timeout", timeout=1)
    ex("def main():\n    x = bytearray(256 * 1024 * 1024)\n    return len(x)\n", 422,
       "memory_limit", memory=32)
    # 401
    check("POST", "/execute", c.execute(OK_SCRIPT), 401, "unauthorized")
    check("POST", "/execute", c.execute(OK_SCRIPT, headers=bearer("wrong")), 401, "unauthorized")
    check("GET", "/metrics", c.get("/metrics"), 401, "unauthorized")
    # 404 / 405
    for method, path in (("GET", "/"), ("GET", "/nope"), ("POST", "/x"), ("DELETE", "/execute/1")):
        check(method, path, c.request(method, path, headers=auth), 404, "not_found")
    for method, path in (("GET", "/execute"), ("PUT", "/execute"), ("POST", "/health"),
                         ("DELETE", "/metrics"), ("POST", "/openapi.json")):
        check(method, path, c.request(method, path, headers=auth, data=b"{}"), 405,
              "method_not_allowed")
    # the other endpoints
    check("GET", "/health", c.get("/health"), 200)
    check("HEAD", "/health", c.request("HEAD", "/health"), 200)
    check("GET", "/metrics", c.get("/metrics", headers=auth), 200)
    check("GET", "/openapi.json", c.get("/openapi.json"), 200)
    # 429
    box = []
    t = threading.Thread(target=long_request, args=(c, 2, box, auth))
    t.start()
    try:
        wait_for(lambda: c.health()["slots"]["busy"] == 1, what="a busy slot")
        ex(OK_SCRIPT, 429, "queue_full")
    finally:
        t.join(30)
    check("POST", "/execute", box[0], 200)
    # 503: the spawner dies under a running execution (and the restart is counted)
    old = c.health()["processes"]["spawner"]["pid"]
    box = []
    t = threading.Thread(target=long_request, args=(c, 20, box, auth))
    t.start()
    wait_for(lambda: c.health()["slots"]["busy"] == 1, what="a busy slot")
    time.sleep(0.5)
    os.kill(old, signal.SIGKILL)
    t.join(40)
    check("POST", "/execute", box[0], 503, "unavailable")

    def restarted():
        r = c.get("/health", timeout=2.0)
        if r.status_code == 503:
            check("GET", "/health", r, 503)
            return False
        return r.status_code == 200 and r.json()["processes"]["spawner"]["pid"] != old
    wait_for(restarted, limit=60, what="a new spawner")
    ex(OK_SCRIPT, 200)
    s = scrape(c, headers=auth)
    assert value(s, "pyexec_spawner_restarts_total") == 1, [k for k in s if "restart" in k[0]]
    assert value(s, "pyexec_executions_total", outcome="unavailable") == 1

    assert not failures, "\n".join(failures)
    want = {200, 400, 401, 404, 405, 413, 422, 429, 503}
    assert want <= set(seen), sorted(seen)
    types = {t for v in seen.values() for _, t in v}
    for t in ("invalid_json", "invalid_request", "invalid_limit", "syntax_error", "missing_main",
              "payload_too_large", "runtime_error", "timeout", "memory_limit", "not_found",
              "method_not_allowed", "queue_full", "unauthorized", "unavailable"):
        assert t in types, (t, sorted(x for x in types if x))
