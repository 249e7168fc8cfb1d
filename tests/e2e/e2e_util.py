"""Helpers for pyexec's end-to-end tests: starting a daemon, talking to it,
and looking at the host for anything an execution left behind.

Everything here only ever talks to 127.0.0.1.
"""

import datetime
import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import requests

import openapi_check

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

PYEXECD = os.environ.get("PYEXECD") or os.path.join(REPO, "build", "pyexecd")
MODE = os.environ.get("PYEXEC_MODE", "cold")
SANDBOX_UID = int(os.environ.get("PYEXEC_SANDBOX_UID", "100000"))
# Executions run as host uid SANDBOX_UID + their slot number.
SLOT_RANGE = 64
# How long to poll for asynchronous cleanup (reaping, cgroup removal).
LEAK_WAIT = float(os.environ.get("PYEXEC_E2E_LEAK_WAIT", "2.0"))
# The shared session daemon keeps this many pre-built jails (--pool), so that
# the tests on it run their scripts through them (make e2e-pool).
SESSION_POOL = int(os.environ.get("PYEXEC_E2E_POOL") or 0)
# A value put into the daemon's environment that no script may ever see.
CANARY_ENV = "PYEXEC_E2E_CANARY"
CANARY_VALUE = "canary-%d-%d" % (os.getpid(), int(time.time()))

DEBUG = bool(os.environ.get("PYEXEC_E2E_DEBUG"))


@functools.lru_cache(maxsize=None)
def sanitized_build():
    """Whether PYEXECD carries ASan's runtime (make SANITIZE=1)."""
    try:
        with open(PYEXECD, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def under_valgrind():
    """Whether PYEXECD is the memcheck wrapper (tests/valgrind/pyexecd-vg.sh),
    whose own stack keeps the start-up environment the daemon scrubs."""
    return os.path.basename(PYEXECD) == "pyexecd-vg.sh"


def sanitizer_in_jail():
    """Whether scripts run with ASan's runtime in their own process: in warm mode
    every jail is a fork of the spawner, so an instrumented spawner's allocator,
    quarantine and shadow memory come along (cold mode execs an uninstrumented
    python3 and leaves them behind)."""
    return MODE == "warm" and sanitized_build()


# What a case whose subject is not memory (process counts, inodes) asks for
# when sanitizer_in_jail(): there ASan's quarantine keeps freed blocks from
# reuse (up to 256 MB per process) and every fork of the instrumented image
# dirties ~3 MB (allocator metadata, shadow, page tables), so 128 MB runs out
# before the limit the case is about.  Memory limit cases keep their budget.
SANITIZER_JAIL_MEMORY_MB = 512


def incidental_memory(mb=None):
    """The memory (MB, or None for the daemon's default) a case that does not
    test memory should request: mb, or SANITIZER_JAIL_MEMORY_MB when the jail
    carries ASan's runtime."""
    if sanitizer_in_jail():
        return max(mb or 0, SANITIZER_JAIL_MEMORY_MB)
    return mb


HEALTH_WAIT = float(os.environ.get("PYEXEC_E2E_HEALTH_WAIT", "20.0"))
STOP_WAIT = 15.0
HTTP_TIMEOUT = 60.0

ISO_UTC_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00|\+0000)$")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def raw_post(port, body, extra_headers=b"", wait=10.0):
    """POSTs body to /execute over a plain socket (Connection: close) and
    returns every byte the server sent within `wait` s, possibly none: a
    server that refuses a body may stop reading it and close, which the send
    then shrugs off."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    data = b""
    try:
        s.sendall(b"POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n%s\r\n" % (len(body), extra_headers))
        t0 = time.monotonic()
        try:
            for i in range(0, len(body), 1 << 16):
                s.sendall(body[i:i + (1 << 16)])
        except OSError:
            pass
        data = read_until_closed(s, wait - (time.monotonic() - t0))
    finally:
        s.close()
    return data


def read_until_closed(s, wait):
    """Every byte s receives until the peer closes, an error, or wait seconds."""
    data = b""
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < wait:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


# ---------------------------------------------------------------------------
# /proc helpers


def _read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def proc_ppids():
    """{pid: ppid} for every process on the machine."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read("/proc/%s/stat" % name)
        if not stat:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) < 2:
            continue
        out[int(name)] = int(rest[1])
    return out


def descendants(pid):
    """Every process below pid (not pid itself), as a sorted list."""
    ppids = proc_ppids()
    children = {}
    for p, pp in ppids.items():
        children.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        cur = todo.pop()
        for c in children.get(cur, ()):
            out.append(c)
            todo.append(c)
    return sorted(out)


def proc_state(pid):
    """One-letter state of pid, or None when it does not exist."""
    stat = _read("/proc/%d/stat" % pid)
    if not stat:
        return None
    rest = stat[stat.rfind(")") + 2:].split()
    return rest[0] if rest else None


def direct_children(pid):
    return sorted(p for p, pp in proc_ppids().items() if pp == pid)


# Every daemon these tests started; sandbox processes below any other pyexecd
# (another session's daemon or benchmark on the same machine) are not ours.
OWN_DAEMONS = set()


def _is_pyexecd(pid):
    cmd = _read("/proc/%d/cmdline" % pid, "rb")
    if not cmd:
        return False
    return os.path.basename(cmd.split(b"\0")[0]).startswith(b"pyexecd")


def foreign(pid, ppids):
    """True when pid descends from a pyexecd tree these tests did not start."""
    seen = 0
    cur = ppids.get(pid)
    root = None
    while cur and cur > 1 and seen < 64:
        if _is_pyexecd(cur):
            root = cur  # keep climbing: the topmost pyexecd is the supervisor
        cur = ppids.get(cur)
        seen += 1
    return root is not None and root not in OWN_DAEMONS


def jails_of(own_pid):
    """Sandbox processes that are not another running daemon's (others_jails):
    own_pid's, and any that no daemon holds any more."""
    return set(uid_processes(SANDBOX_UID)) - others_jails(own_pid)


def others_jails(own_pid):
    """Sandbox processes below another daemon of these tests that still runs
    (a pool's pre-built jails): not own_pid's.  Found by process tree, not by
    name: under valgrind a daemon's processes are memcheck's."""
    sandboxed = set(uid_processes(SANDBOX_UID))
    out = set()
    for root in OWN_DAEMONS:
        if root != own_pid and proc_state(root) not in (None, "Z", "X"):
            out |= sandboxed & set(descendants(root))
    return out


def uid_processes(uid, include_foreign=False):
    """{pid: 'comm'} of processes with a uid in [uid, uid + SLOT_RANGE) among
    their real/effective/saved/fs uids (each slot runs as sandbox uid + slot),
    leaving out those of daemons the tests did not start."""
    ppids = None if include_foreign else proc_ppids()
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        status = _read("/proc/%s/status" % name)
        if not status:
            continue
        m = re.search(r"^Uid:\s+(.*)$", status, re.M)
        if not m:
            continue
        uids = [int(x) for x in m.group(1).split()]
        if any(uid <= x < uid + SLOT_RANGE for x in uids) and \
                (ppids is None or not foreign(int(name), ppids)):
            n = re.search(r"^Name:\s+(.*)$", status, re.M)
            st = re.search(r"^State:\s+(\S+)", status, re.M)
            pp = re.search(r"^PPid:\s+(\d+)", status, re.M)
            out[int(name)] = "%s (state %s, ppid %s)" % (n.group(1) if n else "?",
                                                       st.group(1) if st else "?",
                                                       pp.group(1) if pp else "?")
    return out


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def mount_points():
    """The host's mount table as a sorted list of 'mountpoint fstype source'."""
    out = []
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _, right = line.partition(" - ")
        f, r = left.split(), right.split()
        out.append("%s %s %s" % (f[4], r[0] if r else "?", r[1] if len(r) > 1 else "?"))
    return sorted(out)


def mount_count():
    return len(_read("/proc/self/mountinfo").splitlines())


def host_tmp_pyexec_entries():
    # (bench/bench.py's scratch directories, pyexec-bench-*, are not the daemon's)
    return sorted(n for n in os.listdir("/tmp")
                  if n.startswith("pyexec") and not n.startswith("pyexec-bench"))


def cgroup_dirs_for(path):
    """Host directories that hold the daemon's cgroup subtree, for a path as
    /health reports it (absolute, or relative to each hierarchy's root)."""
    if not path:
        return []
    cands = []
    if os.path.isabs(path) and os.path.isdir(path) and path.startswith("/sys/fs/cgroup"):
        cands.append(path)
    rel = path
    m = re.match(r"^/sys/fs/cgroup/(?:[^/]+/)?(.*)$", path)
    if m and path.startswith("/sys/fs/cgroup/"):
        # /sys/fs/cgroup/<controller>/<rel> (v1) or /sys/fs/cgroup/<rel> (v2)
        rel_v1 = m.group(1)
        rel_v2 = path[len("/sys/fs/cgroup/"):]
        rels = [rel_v1, rel_v2]
    else:
        rels = [rel.lstrip("/")]
    try:
        roots = [os.path.join("/sys/fs/cgroup", n) for n in os.listdir("/sys/fs/cgroup")]
    except OSError:
        roots = []
    roots.append("/sys/fs/cgroup")
    for root in roots:
        for r in rels:
            if not r:
                continue
            d = os.path.join(root, r)
            if os.path.isdir(d) and d not in cands:
                cands.append(d)
    return cands


def subdirs(dirs, maxdepth=5):
    out = set()
    for top in dirs:
        base_depth = top.rstrip("/").count("/")
        for root, dnames, _ in os.walk(top):
            if root.count("/") - base_depth >= maxdepth:
                dnames[:] = []
            for d in dnames:
                out.add(os.path.join(root, d))
    return out


def names_daemon(name, pid):
    """Whether a cgroup directory name is daemon pid's own: its subtree
    pyexec-<pid> or the v2 leaf pyexec-<pid>-daemon.  Exact, not a
    substring: pid 1772's check must not take pyexec-17721 for its own."""
    tag = "pyexec-%d" % pid
    return name == tag or name == tag + "-daemon"


def exec_cgroups_of(pid):
    """find /sys/fs/cgroup -maxdepth 6 -type d -name 'exec-*' below a directory pyexec-<pid>"""
    out = []
    base = "/sys/fs/cgroup"
    base_depth = base.count("/")
    for root, dnames, _ in os.walk(base):
        if root.count("/") - base_depth >= 6:
            dnames[:] = []
            continue
        for d in dnames:
            full = os.path.join(root, d)
            if d.startswith("exec-") and any(names_daemon(part, pid) for part in root.split("/")):
                out.append(full)
    return sorted(out)


def exec_cgroup_names(pids):
    """The exec-* cgroup names that processes pids sit in (/proc/<pid>/cgroup)."""
    out = set()
    for pid in pids:
        for line in (_read("/proc/%d/cgroup" % pid) or "").splitlines():
            out.update(part for part in line.split(":", 2)[-1].split("/") if part.startswith("exec-"))
    return out


def cgroup_dirs_named(pid):
    """Directories anywhere under /sys/fs/cgroup named for daemon pid (names_daemon)."""
    out = []
    base = "/sys/fs/cgroup"
    base_depth = base.count("/")
    for root, dnames, _ in os.walk(base):
        if root.count("/") - base_depth >= 6:
            dnames[:] = []
            continue
        for d in dnames:
            if names_daemon(d, pid):
                out.append(os.path.join(root, d))
    return sorted(out)


def _clock(t):
    """UTC wall-clock time of day with milliseconds, as the daemon's log writes it."""
    return time.strftime("%H:%M:%S", time.gmtime(t)) + ".%03d" % (int(t * 1000) % 1000)


def remove_cgroup_dirs(pid, wait=5.0):
    """rmdir, deepest first, the directories named for daemon pid (names_daemon)
    and what they hold; busy ones (their processes still dying) are retried
    until wait runs out.  Returns what is left."""
    deadline = time.monotonic() + wait
    while True:
        for top in cgroup_dirs_named(pid):
            for root, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
                try:
                    os.rmdir(root)
                except OSError:
                    pass
        left = cgroup_dirs_named(pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def describe_cgroup_dirs(dirs):
    """What a leftover cgroup directory holds: its sub-directories and the
    processes listed in each, to tell a leaked process from a missed rmdir."""
    lines = ["  (now %s)" % _clock(time.time())]
    for top in dirs:
        for root, dnames, _ in os.walk(top):
            procs = (_read(os.path.join(root, "cgroup.procs")) or "").split()
            try:
                made = _clock(os.stat(root).st_ctime)  # kernfs: when the directory was made
            except OSError:
                made = "?"
            lines.append("  %s: made %s, %d sub-directories, processes %s"
                         % (root, made, len(dnames), procs or "none"))
            for pid in procs:
                status = _read("/proc/%s/status" % pid) or ""
                state = re.search(r"^State:\s+(.*)$", status, re.M)
                lines.append("    pid %s %s %s" % (pid, _read("/proc/%s/comm" % pid) or "?",
                                                 state.group(1) if state else "?"))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# talking to a daemon


class Client:
    def __init__(self, base_url, daemon=None):
        self.base_url = base_url.rstrip("/")
        self.daemon = daemon

    @property
    def port(self):
        return int(self.base_url.rsplit(":", 1)[1])

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, timeout=HTTP_TIMEOUT, **kw):
        """Every answer is checked against docs/openapi.json (openapi_check)."""
        r = requests.request(method, self.url(path), timeout=timeout, **kw)
        openapi_check.check_requests_response(r)
        return r

    def session(self):
        """A requests.Session (one keep-alive connection) whose answers are
        checked against docs/openapi.json as Client.request's are."""
        s = requests.Session()
        s.hooks["response"].append(openapi_check.check_requests_response)
        return s

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def execute(self, script, timeout=None, memory=None, http_timeout=HTTP_TIMEOUT,
                headers=None, **extra):
        body = {"script": script}
        if timeout is not None:
            body["timeout"] = timeout
        if memory is not None:
            body["memory"] = memory
        body.update(extra)
        return self.post_json(body, http_timeout=http_timeout, headers=headers)

    def post_json(self, obj, http_timeout=HTTP_TIMEOUT, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.post("/execute", data=json.dumps(obj).encode(), headers=h,
                         timeout=http_timeout)

    def post_raw(self, data, content_type="application/json", http_timeout=HTTP_TIMEOUT,
                 headers=None, path="/execute"):
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        h.update(headers or {})
        return self.post(path, data=data, headers=h, timeout=http_timeout)

    def health(self, timeout=5.0):
        r = self.get("/health", timeout=timeout)
        assert r.status_code == 200, "GET /health -> %d %r" % (r.status_code, r.text[:500])
        return r.json()

    def run(self, script, **kw):
        """Executes and returns (response, body, seconds)."""
        t0 = time.monotonic()
        r = self.execute(script, **kw)
        dt = time.monotonic() - t0
        body = json_body(r)
        if DEBUG:
            print("  -> %d %s %.2fs %s" % (r.status_code, body.get("error_type", ""), dt,
                                         short(body.get("result", body.get("error")), 300)),
                  file=sys.stderr)
        return r, body, dt

    def ok(self, script, **kw):
        """Executes a script that must succeed; returns the body."""
        r, body, _ = self.run(script, **kw)
        assert r.status_code == 200 and body.get("success") is True, \
            "expected 200 success, got %d: %s" % (r.status_code, short(body))
        return body


def log_events(daemon, name):
    """Every JSON log line of daemon (its stderr file) whose event is name, as dicts."""
    found = []
    with open(daemon.log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and doc.get("event") == name:
                found.append(doc)
    return found


def short(obj, n=1500):
    s = json.dumps(obj) if not isinstance(obj, str) else obj
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def json_body(r):
    ctype = r.headers.get("Content-Type", "")
    try:
        body = r.json()
    except ValueError:
        raise AssertionError("response %d is not JSON (Content-Type %r): %r"
                             % (r.status_code, ctype, r.content[:500]))
    assert ctype.startswith("application/json"), \
        "response %d has Content-Type %r" % (r.status_code, ctype)
    return body


def assert_error(r, status, error_type=None, error_types=None):
    body = json_body(r)
    want = {error_type} if error_type else set(error_types or ())
    assert r.status_code == status and (not want or body.get("error_type") in want), \
        "expected %d %s, got %d: %s" % (status, "/".join(sorted(want)) or "", r.status_code,
                                        short(body))
    assert body.get("success") is False, short(body)
    assert isinstance(body.get("error"), str) and body["error"].strip(), short(body)
    assert isinstance(body.get("error_type"), str), short(body)
    return body


def assert_timestamp(ts):
    assert isinstance(ts, str) and ISO_UTC_RE.match(ts), "timestamp %r is not ISO 8601 UTC" % ts
    t = ts.replace("Z", "+00:00")
    if t.endswith("+0000"):
        t = t[:-5] + "+00:00"
    if "." in t:
        head, frac = t.split(".", 1)
        digits = frac[:frac.index("+")]
        t = head + "." + (digits + "000000")[:6] + frac[frac.index("+"):]
    when = datetime.datetime.fromisoformat(t)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - when).total_seconds()) < 120, "timestamp %r is far from now %s" % (ts, now)


# ---------------------------------------------------------------------------
# a daemon process


def _flag(args, name):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def pool_size(args):
    """The --pool N a daemon started with args keeps (else PYEXEC_POOL, which it reads
    too; the daemon's own default, auto, is 2 in warm mode and 0 in cold, but Daemon
    passes --pool 0 unless told otherwise)."""
    v = _flag(args, "--pool") or os.environ.get("PYEXEC_POOL") or "0"
    if v == "auto":
        return 2 if (_flag(args, "--mode") or MODE) == "warm" else 0
    return int(v)


class Daemon:
    def __init__(self, args, workdir, name="pyexecd"):
        self.args = list(args)
        self.workdir = workdir
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, "%s.stderr.log" % name)
        self.out_path = os.path.join(workdir, "%s.stdout.log" % name)
        self.client = None
        self.returncode = None
        self.cgroup_path = None
        self.cgroup_version = None
        self.pool = pool_size(self.args)

    def start(self):
        assert os.access(PYEXECD, os.X_OK), "daemon binary %s is missing" % PYEXECD
        self.tmp_before = set(host_tmp_pyexec_entries())
        self.port = free_port()
        argv = [PYEXECD, "--port", str(self.port), "--bind", "127.0.0.1"]
        if not any(a == "--mode" or a.startswith("--mode=") for a in self.args):
            argv += ["--mode", MODE]
        # Without pre-built jails unless a test (or make e2e-pool) asks: the leak checks
        # count the jails a daemon keeps at idle.
        if _flag(self.args, "--pool") is None and not os.environ.get("PYEXEC_POOL"):
            argv += ["--pool", "0"]
        argv += self.args
        self.argv = argv
        env = dict(os.environ)
        env[CANARY_ENV] = CANARY_VALUE
        self.log = open(self.log_path, "wb")
        self.out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=self.log, env=env, close_fds=True,
                                     start_new_session=True)
        OWN_DAEMONS.add(self.proc.pid)
        self.client = Client("http://127.0.0.1:%d" % self.port, daemon=self)
        deadline = time.monotonic() + HEALTH_WAIT
        last = None
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %s during startup: %s\n%s"
                                     % (self.name, self.proc.returncode, " ".join(argv),
                                        self.log_tail()))
            try:
                r = requests.get(self.client.url("/health"), timeout=1.0)
                if r.status_code == 200:
                    break
                last = "%d %s" % (r.status_code, r.text[:200])
            except requests.RequestException as e:
                last = repr(e)
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("%s: /health did not answer within %.0f s (last: %s)\n%s"
                                     % (self.name, HEALTH_WAIT, last, self.log_tail()))
            time.sleep(0.05)
        h = r.json()
        cg = (h.get("isolation") or {}).get("cgroup") or {}
        self.cgroup_path = cg.get("path")
        self.cgroup_version = cg.get("version")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def tree(self):
        return descendants(self.pid)

    def jails(self):
        """The daemon's jail processes (sandbox uid); at idle, its pre-built ones (--pool)."""
        return set(self.tree()) & set(uid_processes(SANDBOX_UID))

    def fds(self):
        out = {self.pid: fd_count(self.pid)}
        for p in self.tree():
            out[p] = fd_count(p)
        return {p: n for p, n in out.items() if n is not None}

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no log)"
        return "--- %s stderr (last %d lines) ---\n%s" % (self.name, n, "\n".join(lines[-n:]))

    def kill(self):
        """SIGKILL to the whole daemon (a failed start, a stop that hung).  Nothing
        of it can clean up then, so its cgroup directories are removed here:
        left behind, they would be blamed on a later daemon or block its start."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.kill()
            self.proc.wait(5)
            remove_cgroup_dirs(self.proc.pid)

    def stop(self):
        """SIGTERM, bounded wait; returns a list of problems (empty when clean)."""
        problems = []
        if self.proc is None or self.returncode is not None:
            return problems
        tree_before = self.tree()
        if self.proc.poll() is not None:
            problems.append("%s had already exited with %s before SIGTERM"
                            % (self.name, self.proc.returncode))
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                problems.append("%s did not exit within %.0f s of SIGTERM"
                                % (self.name, STOP_WAIT))
                self.kill()
        self.returncode = self.proc.returncode
        if self.returncode != 0:
            problems.append("%s exited with %s after SIGTERM (expected 0)"
                            % (self.name, self.returncode))
        # what it leaves behind
        deadline = time.monotonic() + LEAK_WAIT
        while True:
            left = [p for p in tree_before if proc_state(p) not in (None, "Z", "X")]
            others = others_jails(self.pid)
            sandboxed = {p: n for p, n in uid_processes(SANDBOX_UID).items() if p not in others}
            tmp_new = sorted(set(host_tmp_pyexec_entries()) - self.tmp_before)
            cgs = cgroup_dirs_named(self.pid)
            if not (left or sandboxed or tmp_new or cgs) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if left:
            problems.append("%s's processes %s still exist after it exited" % (self.name, left))
        if sandboxed:
            problems.append("processes of uid %d remain after %s exited: %s"
                            % (SANDBOX_UID, self.name, sandboxed))
        if tmp_new:
            problems.append("%s left /tmp entries %s" % (self.name, tmp_new))
        if cgs:
            problems.append("%s left cgroup directories %s\n%s"
                            % (self.name, cgs, describe_cgroup_dirs(cgs)))
        self.log.close()
        self.out.close()
        return problems


# ---------------------------------------------------------------------------
# leak checks


class LeakBaseline:
    """What the host looks like with the daemon idle; compared after tests."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.take()

    def take(self, settle=10.0):
        d = self.daemon
        # An execution is answered before its jail is torn down (the jail
        # keeps its slot until reaped): wait, bounded, until only the
        # pre-built jails are left (none without --pool), so that no
        # execution's jail is counted as part of the idle state.
        # A jail being rebuilt is in the tree before it takes the sandbox uid,
        # so the tree and the jails must also have stayed the same for a while.
        deadline = time.monotonic() + settle
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            now = (tuple(d.tree()), frozenset(d.jails()))
            if now != last:
                last, since = now, time.monotonic()
            elif len(now[1]) == d.pool and time.monotonic() - since >= 0.5:
                break
            time.sleep(0.05)
        self.children = direct_children(d.pid)
        self.tree = d.tree()
        self.tree_size = len(self.tree)
        self.uid_procs = set(uid_processes(SANDBOX_UID))
        self.cg_dirs = cgroup_dirs_for(d.cgroup_path) if d.cgroup_version not in (None, "none") else []
        self.cg_sub = subdirs(self.cg_dirs)
        self.tmp = set(host_tmp_pyexec_entries())
        self.mounts = mount_count()
        self.mount_list = mount_points()
        self.fds = d.fds()
        self.fd_total = sum(self.fds.values())

    def problems(self, fd_slack=10, wait=LEAK_WAIT):
        """Polls up to `wait` s; returns the list of what is still wrong."""
        d = self.daemon
        deadline = time.monotonic() + wait
        while True:
            probs = []
            if d.proc is None or d.proc.poll() is not None:
                return ["the daemon (pid %d) has exited with %s" % (d.pid, d.proc and d.proc.returncode)]
            # With --pool, the idle daemon holds exactly its pre-built jails, each one
            # process in its own exec-* cgroup; they are rebuilt, so counted, not named.
            pooled = d.jails() if d.pool else set()
            if len(pooled) != d.pool:
                probs.append("%d pre-built jails %s, expected --pool %d"
                             % (len(pooled), sorted(pooled), d.pool))
            procs = {p: n for p, n in uid_processes(SANDBOX_UID).items()
                     if p not in self.uid_procs and p not in pooled}
            if procs:
                probs.append("processes with uid %d remain: %s" % (SANDBOX_UID, procs))
            tree = d.tree()
            if len(tree) != self.tree_size:
                probs.append("daemon process tree has %d processes %s, expected %d %s"
                             % (len(tree), tree, self.tree_size, self.tree))
            kids = direct_children(d.pid)
            if kids != self.children:
                probs.append("daemon's direct children changed (a component restarted?): "
                             "%s -> %s" % (self.children, kids))
            pool_cgs = exec_cgroup_names(pooled)
            if len(pool_cgs) != len(pooled):
                probs.append("pre-built jails %s sit in exec cgroups %s: not one each"
                             % (sorted(pooled), sorted(pool_cgs)))
            if self.cg_dirs:
                new = sorted(x for x in subdirs(self.cg_dirs) - self.cg_sub
                             if not pool_cgs & set(x.split("/")))
                if new:
                    probs.append("cgroup directories remain: %s" % new)
            execs = [e for e in exec_cgroups_of(d.pid) if os.path.basename(e) not in pool_cgs]
            if execs:
                probs.append("exec-* cgroups remain: %s" % execs)
            tmp = sorted(set(host_tmp_pyexec_entries()) - self.tmp)
            if tmp:
                probs.append("new host /tmp entries: %s" % tmp)
            m = mount_count()
            if m != self.mounts:
                now = mount_points()
                added = sorted(set(now) - set(self.mount_list))
                gone = sorted(set(self.mount_list) - set(now))
                probs.append("host mount table has %d lines, was %d (added %s, removed %s)"
                             % (m, self.mounts, added, gone))
            fds = d.fds()
            total = sum(fds.values())
            if total > self.fd_total + fd_slack:
                probs.append("daemon fd count grew from %d %s to %d %s"
                             % (self.fd_total, self.fds, total, fds))
            if not probs:
                try:
                    h = d.client.health()
                    if h.get("status") != "healthy":
                        probs.append("/health status is %r" % h.get("status"))
                    else:
                        return []
                except Exception as e:  # noqa: BLE001 - any failure is a finding
                    probs.append("/health failed: %r" % e)
            if time.monotonic() > deadline:
                return probs
            if DEBUG:
                print("leak check: still %s" % probs, file=sys.stderr)
            time.sleep(0.05)
