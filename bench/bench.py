#!/usr/bin/python3
"""pyexec benchmark: latency, throughput and idle memory, cold mode vs warm mode
(with and without pre-built jails, and with one zygote instead of two).

    make bench                                    (or: /usr/bin/python3 bench/bench.py)
    BENCH_QUICK=1 make bench                      smoke run, about a minute

Starts build/pyexecd four times (modes: cold = --mode cold; warm = --mode warm, whose
default keeps two jails built ahead of requests (--pool auto); nopool = --mode warm
--pool 0; single = --mode warm --single-zygote --pool 0: without the lean zygote, so
every jail forks from the one with numpy and pandas), each on a free
loopback port with --slots <nproc> --queue 64, and measures per mode:

  * latency of sequential requests on one persistent connection (after warm-up)
    for three workloads (hello, the seeds' pandas example, 1000 printed lines),
    with the medians of the daemon's own usage.setup_ms / usage.wall_ms (and, in the
    log and the JSON, how many the lean zygote served: pyexec_executions_lean_total);
  * throughput (successful executions/s) at concurrency 1, 8 and 32, one
    persistent HTTP/1.1 connection per client thread, a fixed window per point;
    429s are counted apart from errors (anything else that is not a 200 with the
    expected result, or a connection error);
  * an overload point (more clients than slots + queue): 429s expected, no errors;
  * in warm and nopool mode, latency again with requests SPACED_GAP_MS apart (a
    client that pauses between requests, which lets the pool refill), with the
    share served by a pre-built jail (pyexec_executions_prebuilt_total), against
    the cost of the script itself: the same script run in a process that has
    numpy and pandas imported already, without any jail, fork or HTTP;
  * the PSS of every daemon process (supervisor, front, spawner/zygote) at idle,
    after the warm-up and after the run (with USS and the RSS sum).

The machine may be shared: during every measurement the CPU used by processes other
than the daemon's tree and this client is measured from /proc ("other CPU", in
cores); above BENCH_RETRY_OTHER the measurement is taken once more if the time budget
allows, and the quieter attempt is kept.  The report shows the figure per row.

Standard library only, run with Debian's /usr/bin/python3. Nothing here asserts a
timing: the exit status is 0 unless a daemon failed to start (2) or a request
failed unexpectedly (1). Every loop is bounded in count and in time.

Environment:
  PYEXECD            daemon binary (default: build/pyexecd next to this directory)
  BENCH_QUICK=1      fewer samples and 1 s windows
  BENCH_MODES        modes to run, default "cold,warm,nopool,single"
  BENCH_DURATION     seconds per throughput point (default 5, quick 1)
  BENCH_JSON         also write all raw figures to this file
  BENCH_RETRY_OTHER  repeat a measurement once if other processes used more than this
                     many cores meanwhile (default 0.3; BENCH_RETRIES=0 never repeats)
"""

import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PYEXECD = os.environ.get("PYEXECD") or os.path.join(REPO, "build", "pyexecd")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
MODES = [m.strip() for m in os.environ.get("BENCH_MODES", "cold,warm,nopool,single").split(",")
         if m.strip()]
# What each mode adds to the daemon's command line.
MODE_ARGS = {"cold": ["--mode", "cold"], "warm": ["--mode", "warm"],
             "nopool": ["--mode", "warm", "--pool", "0"],
             "single": ["--mode", "warm", "--single-zygote", "--pool", "0"]}
DEFAULT_POOL = {"cold": 0, "warm": 2}  # what --pool auto means in each --mode
NCPU = os.cpu_count() or 1
SLOTS = NCPU
QUEUE = 64
LEVELS = (1, 8, 32)
OVERLOAD_C = 96                 # > SLOTS + QUEUE: some requests must get 429
DURATION = float(os.environ.get("BENCH_DURATION") or (1.0 if QUICK else 5.0))
HTTP_TIMEOUT = 120.0            # per request; bounds every wait on the daemon
BACKOFF_429 = 0.1               # a client that got 429 waits this long (bounded by the window)
MAX_PER_THREAD = 20000          # count bound of one client thread in one window
START_WAIT = 30.0
# A measurement during which other processes (tests, VMs, compilers: see CpuMeter) used
# more than this many cores is repeated up to RETRIES times, keeping the least disturbed.
RETRY_OTHER = float(os.environ.get("BENCH_RETRY_OTHER") or 0.3)
RETRIES = int(os.environ.get("BENCH_RETRIES") or (0 if QUICK else 1))
STOP_WAIT = 15.0
# Soft time budget of the whole run, shared by the modes (cold 3 : others 2 each): a point whose
# expected duration (window + draining the clients' last requests) would overrun its
# mode's share is skipped and listed as such; retries only use what the rest leaves.
BUDGET = 65.0 if QUICK else 430.0

SCRIPTS = {
    "hello": 'def main():\n    return {"message": "Hello World"}\n',
    "pandas": (
        "import pandas as pd\n"
        "import numpy as np\n"
        "\n"
        "def main():\n"
        '    print("Creating sample data...")\n'
        "    data = pd.DataFrame({\n"
        '        "x": np.random.randn(100),\n'
        '        "y": np.random.randn(100)\n'
        "    })\n"
        '    print(f"Data shape: {data.shape}")\n'
        "    return {\n"
        '        "mean_x": float(data["x"].mean()),\n'
        '        "mean_y": float(data["y"].mean()),\n'
        '        "correlation": float(data.corr().iloc[0,1])\n'
        "    }\n"
    ),
    "print1000": 'def main():\n    for i in range(1000):\n        print("line", i)\n    return 1000\n',
}
WORKLOADS = ("hello", "pandas", "print1000")


def check_hello(doc):
    return doc.get("result") == {"message": "Hello World"}


def check_pandas(doc):
    r = doc.get("result")
    return (isinstance(r, dict) and set(r) == {"mean_x", "mean_y", "correlation"}
            and doc.get("stdout", "").startswith("Creating sample data...\nData shape: (100, 2)"))


def check_print(doc):
    out = doc.get("stdout", "")
    return doc.get("result") == 1000 and out.count("\n") == 1000 and out.endswith("line 999\n")


CHECKS = {"hello": check_hello, "pandas": check_pandas, "print1000": check_print}

# (warm-up, samples, time cap in s) of the sequential latency series
if QUICK:
    SEQ = {"cold": {"hello": (2, 8, 6), "pandas": (1, 3, 6), "print1000": (1, 8, 6)},
           "warm": {"hello": (2, 20, 4), "pandas": (2, 20, 4), "print1000": (2, 20, 4)}}
    TP_WORKLOADS = ("hello", "pandas")
    TP_LEVELS = {"hello": LEVELS, "pandas": (1, 8)}
    WARMUP = 1
else:
    SEQ = {"cold": {"hello": (5, 40, 25), "pandas": (2, 15, 25), "print1000": (3, 40, 25)},
           "warm": {"hello": (5, 100, 20), "pandas": (5, 100, 20), "print1000": (5, 100, 20)}}
    TP_WORKLOADS = WORKLOADS
    TP_LEVELS = {w: LEVELS for w in WORKLOADS}
    WARMUP = 2
SEQ["nopool"] = SEQ["single"] = SEQ["warm"]

# Requests with a pause between them, for the modes where it changes something.
SPACED_GAP_MS = 20
SPACED_WORKLOADS = ("hello", "pandas")
SPACED_MODES = ("warm", "nopool")
SPACED = (2, 10, 4) if QUICK else (5, 60, 15)     # warm-up, samples, time cap in s

# Latency guesses (ms) for planning the budget before a mode's own p50 is known.
GUESS_MS = {"cold": {"hello": 50, "pandas": 600, "print1000": 50},
            "warm": {"hello": 30, "pandas": 40, "print1000": 30}}
GUESS_MS["nopool"] = GUESS_MS["single"] = GUESS_MS["warm"]

T0 = time.monotonic()


class Budget:
    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds

    def allows(self, expected_s=0.0):
        return time.monotonic() + expected_s <= self.deadline


def log(msg):
    sys.stderr.write("[bench %6.1fs] %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# HTTP client: one persistent HTTP/1.1 connection, reopened only after an error
# or when the server says it will close.


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None
        self.reconnects = 0

    def _open(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None):
        """(status, body bytes); raises OSError / http.client.HTTPException."""
        if self.conn is None:
            self._open()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            # bytes body: http.client sends headers and body in one send()
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except BaseException:
            self.close()
            raise
        if resp.will_close:
            self.close()
            self.reconnects += 1
        return resp.status, data

    def execute(self, body, check):
        """("ok", usage) | ("429", None) | ("error", description)."""
        try:
            status, data = self.request("POST", "/execute", body)
        except (OSError, http.client.HTTPException) as e:
            return "error", "connection: %s: %s" % (type(e).__name__, e)
        if status == 429:
            return "429", None
        try:
            doc = json.loads(data)
        except ValueError:
            return "error", "HTTP %d, body not JSON: %r" % (status, data[:200])
        if status != 200 or doc.get("success") is not True:
            return "error", "HTTP %d %s: %s" % (status, doc.get("error_type"),
                                               str(doc.get("error"))[:200])
        if not check(doc):
            return "error", "HTTP 200 with an unexpected result: %r" % (data[:200],)
        return "ok", doc.get("usage") or {}


def body_of(workload):
    return json.dumps({"script": SCRIPTS[workload]}).encode()


# ---------------------------------------------------------------------------
# /proc


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def proc_children_map():
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read("/proc/%s/stat" % name)
        if not stat:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        out.setdefault(int(rest[1]), []).append(int(name))
    return out


def tree(pid):
    """pid and all its descendants."""
    kids = proc_children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return sorted(out)


def smaps_rollup(pid):
    """{"Pss": KiB, "Rss": KiB, "Private": KiB} of pid, or None."""
    text = _read("/proc/%d/smaps_rollup" % pid)
    if not text:
        return None
    f = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
            f[parts[0][:-1]] = int(parts[1])
    if "Pss" not in f:
        return None
    return {"Pss": f["Pss"], "Rss": f.get("Rss", 0),
            "Private": f.get("Private_Clean", 0) + f.get("Private_Dirty", 0)}


def proc_cpu_ticks(pid):
    """utime + stime + cutime + cstime of pid (reaped children included)."""
    stat = _read("/proc/%d/stat" % pid)
    if not stat:
        return 0
    f = stat[stat.rfind(")") + 2:].split()
    return sum(int(x) for x in f[11:15])


def system_busy_ticks():
    f = [int(x) for x in _read("/proc/stat").splitlines()[0].split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return sum(f[:8]) - idle


def self_cpu_ticks():
    t = os.times()
    return (t.user + t.system + t.children_user + t.children_system) * os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by everything but the daemon's process tree and this client while
    a measurement runs, in cores: how much other work disturbed it."""

    def __init__(self, daemon):
        self.d = daemon
        self.t = time.monotonic()
        self.busy, self.own, self.me = system_busy_ticks(), daemon.cpu_ticks(), self_cpu_ticks()

    def other_cores(self):
        dt = time.monotonic() - self.t
        busy = system_busy_ticks() - self.busy
        own = self.d.cpu_ticks() - self.own
        me = self_cpu_ticks() - self.me
        return max(0.0, busy - own - me) / os.sysconf("SC_CLK_TCK") / max(dt, 1e-3)


# ---------------------------------------------------------------------------
# Daemon


class DaemonError(Exception):
    pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Daemon:
    def __init__(self, mode, workdir):
        self.mode = mode
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.health = None
        self.log_path = os.path.join(workdir, "pyexecd-%s.log" % mode)

    def start(self):
        if not os.access(PYEXECD, os.X_OK):
            raise DaemonError("%s is missing (make build/pyexecd)" % PYEXECD)
        for attempt in range(3):        # a port taken between free_port() and bind(): retry
            self.port = free_port()
            self.argv = [PYEXECD, "--port", str(self.port), "--bind", "127.0.0.1",
                         "--slots", str(SLOTS), "--queue", str(QUEUE)] + MODE_ARGS[self.mode]
            with open(self.log_path, "ab") as logf:
                self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                             stdout=logf, stderr=logf, close_fds=True,
                                             start_new_session=True)
            t_start = time.monotonic()
            deadline = t_start + START_WAIT
            last = None
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    c = Client(self.port)
                    status, data = c.request("GET", "/health")
                    c.close()
                    if status == 200:
                        self.health = json.loads(data)
                        self.start_s = time.monotonic() - t_start
                        return
                    last = "HTTP %d %s" % (status, data[:200])
                except (OSError, http.client.HTTPException, ValueError) as e:
                    last = repr(e)
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.kill()
                raise DaemonError("%s: /health not ready within %.0f s (last: %s)\n%s"
                                  % (" ".join(self.argv), START_WAIT, last, self.log_tail()))
            log("daemon exited with %s at start (attempt %d)" % (self.proc.returncode, attempt + 1))
        raise DaemonError("%s exited with %s during start-up\n%s"
                          % (" ".join(self.argv), self.proc.returncode, self.log_tail()))

    def log_tail(self, n=15):
        text = _read(self.log_path) or ""
        return "\n".join(text.splitlines()[-n:])

    def roles(self):
        p = (self.health or {}).get("processes") or {}
        out = {self.proc.pid: "supervisor",
               (p.get("front") or {}).get("pid"): "front",
               (p.get("spawner") or {}).get("pid"): "spawner"}
        # warm mode's lean zygote (src/spawner/lean.h), known by the title it gives itself
        for pid in tree(self.proc.pid):
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if f.read().split(b"\0")[0] == b"pyexec-lean-zygote":
                        out[pid] = "lean"
            except OSError:
                pass
        return out

    def pool_size(self):
        args = MODE_ARGS[self.mode]
        if "--pool" in args:
            return int(args[args.index("--pool") + 1])
        return DEFAULT_POOL[args[args.index("--mode") + 1]]

    def wait_idle(self, timeout=15.0):
        """Until /health shows nothing busy or queued and only the daemon's own
        processes are left (no jail still being reaped; pre-built jails waiting
        for a request are the daemon's own); bounded."""
        deadline = time.monotonic() + timeout
        base = {p for p in self.roles() if p}
        pooled = self.pool_size()
        while time.monotonic() < deadline:
            try:
                c = Client(self.port)
                status, data = c.request("GET", "/health")
                c.close()
                slots = json.loads(data).get("slots") or {}
                # busy counts a jail until it is reaped, so with none busy any
                # other process is a pre-built jail.
                if (status == 200 and not slots.get("busy") and not slots.get("queued")
                        and len(set(tree(self.proc.pid)) - base) <= pooled):
                    return True
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.1)
        return False

    def pss(self):
        """PSS in KiB over the daemon pid and all its descendants: {"total", role...},
        plus the sum of their RSS ("rss") and of their private memory ("uss")."""
        roles = self.roles()
        out = {"total": 0, "processes": 0, "rss": 0, "uss": 0}
        for pid in tree(self.proc.pid):
            m = smaps_rollup(pid)
            if m is None:
                continue
            role = roles.get(pid, "other")
            out[role] = out.get(role, 0) + m["Pss"]
            out["total"] += m["Pss"]
            out["rss"] += m["Rss"]
            out["uss"] += m["Private"]
            out["processes"] += 1
        return out

    def cpu_ticks(self):
        return sum(proc_cpu_ticks(p) for p in tree(self.proc.pid))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)   # our own child's session
            except OSError:
                pass
            self.proc.wait(5)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            log("%s mode daemon did not stop within %.0f s of SIGTERM: SIGKILL"
                % (self.mode, STOP_WAIT))
            self.kill()
            return "killed"


# ---------------------------------------------------------------------------
# Measurements


def pctl(values, q):
    """Percentile q (0..100), linear interpolation between closest ranks."""
    if not values:
        return None
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    k = (len(v) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def median(values):
    return statistics.median(values) if values else None


def counter_total(port, name):
    """The counter name from /metrics, or None."""
    c = Client(port)
    try:
        status, data = c.request("GET", "/metrics")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        c.close()
    if status != 200:
        return None
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def sequential(port, workload, warmup, n, cap_s, errors, label, gap_s=0.0):
    """Sequential requests on one connection; gap_s: pause after each response."""
    body, check = body_of(workload), CHECKS[workload]
    c = Client(port)
    lat, setup, wall, queue, rest, cpu, mem = [], [], [], [], [], [], []
    n_429 = n_err = 0
    prebuilt0 = lean0 = None  # the counters of pre-built jails and lean clones when the samples begin
    deadline = time.monotonic() + cap_s
    for i in range(warmup + n):
        if time.monotonic() > deadline and len(lat) >= 1:
            break
        if i == warmup:
            prebuilt0 = counter_total(port, "pyexec_executions_prebuilt_total")
            lean0 = counter_total(port, "pyexec_executions_lean_total")
        if i and gap_s:
            time.sleep(gap_s)
        t0 = time.perf_counter()
        outcome, info = c.execute(body, check)
        ms = (time.perf_counter() - t0) * 1000.0
        if outcome == "429":
            n_429 += 1
            continue
        if outcome == "error":
            n_err += 1
            errors.append("%s sequential: %s" % (label, info))
            if n_err >= 5:
                break
            continue
        if i < warmup:
            continue
        lat.append(ms)
        u = info
        s, w, q = u.get("setup_ms"), u.get("wall_ms"), u.get("queue_ms")
        if s is not None:
            setup.append(s)
        if w is not None:
            wall.append(w)
        if q is not None:
            queue.append(q)
        if None not in (s, w, q):
            rest.append(ms - s - w - q)
        if u.get("cpu_ms") is not None:
            cpu.append(u["cpu_ms"])
        if u.get("peak_memory_bytes") is not None:
            mem.append(u["peak_memory_bytes"])
    c.close()
    prebuilt1 = (counter_total(port, "pyexec_executions_prebuilt_total")
                 if prebuilt0 is not None else None)
    prebuilt = prebuilt1 - prebuilt0 if prebuilt1 is not None else None
    lean1 = counter_total(port, "pyexec_executions_lean_total") if lean0 is not None else None
    lean = lean1 - lean0 if lean1 is not None else None
    return {"n": len(lat), "p50": pctl(lat, 50), "p90": pctl(lat, 90), "p99": pctl(lat, 99),
            "gap_ms": gap_s * 1000.0, "prebuilt": prebuilt, "lean": lean,
            "mean": statistics.fmean(lat) if lat else None,
            "setup_ms_p50": median(setup), "wall_ms_p50": median(wall),
            "queue_ms_p50": median(queue), "rest_ms_p50": median(rest),
            "cpu_ms_p50": median(cpu), "peak_memory_bytes_p50": median(mem),
            "429": n_429, "errors": n_err}


def throughput(port, workload, conc, duration, errors, label=None):
    """conc client threads, each with its own connection, issue requests back to back
    until the window closes; in-flight requests are waited for and counted.
    Rate = successes / (last completion - start)."""
    body, check = body_of(workload), CHECKS[workload]
    lock = threading.Lock()
    agg = {"ok": 0, "429": 0, "errors": 0, "last": None, "lat": [], "queue": [], "reconnects": 0}
    err_samples = []
    clients = [Client(port) for _ in range(conc)]
    connect_errors = 0
    for c in clients:
        try:
            c._open()
        except OSError as e:
            connect_errors += 1
            err_samples.append("connect: %r" % (e,))
    barrier = threading.Barrier(conc + 1)
    box = {}

    def worker(c):
        ok = r429 = err = 0
        lat, queue = [], []
        last = None
        try:
            barrier.wait(30)
        except threading.BrokenBarrierError:
            return
        deadline = box["deadline"]
        sent = 0
        while sent < MAX_PER_THREAD and time.monotonic() < deadline:
            sent += 1
            t0 = time.perf_counter()
            outcome, info = c.execute(body, check)
            t1 = time.perf_counter()
            if outcome == "ok":
                ok += 1
                last = t1
                lat.append((t1 - t0) * 1000.0)
                if info.get("queue_ms") is not None:
                    queue.append(info["queue_ms"])
            elif outcome == "429":
                r429 += 1
                time.sleep(max(0.0, min(BACKOFF_429, deadline - time.monotonic())))
            else:
                err += 1
                with lock:
                    if len(err_samples) < 5:
                        err_samples.append(info)
                if err > 20:
                    break
        c.close()
        with lock:
            agg["ok"] += ok
            agg["429"] += r429
            agg["errors"] += err
            agg["lat"] += lat
            agg["queue"] += queue
            agg["reconnects"] += c.reconnects
            if last is not None and (agg["last"] is None or last > agg["last"]):
                agg["last"] = last

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    cpu0, ru0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    box["deadline"] = time.monotonic() + duration
    start = time.perf_counter()
    barrier.wait(30)
    hard = time.monotonic() + duration + HTTP_TIMEOUT + 10
    for t in threads:
        t.join(max(0.1, hard - time.monotonic()))
    hung = sum(t.is_alive() for t in threads)
    end = time.perf_counter()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    elapsed = (agg["last"] - start) if agg["last"] else (end - start)
    n_err = agg["errors"] + connect_errors + hung
    for s in err_samples:
        errors.append("%s c=%d: %s" % (label or workload, conc, s))
    if hung:
        errors.append("%s c=%d: %d client threads still waiting after %.0f s"
                      % (label or workload, conc, hung, HTTP_TIMEOUT))
    return {"conc": conc, "duration_s": duration, "elapsed_s": elapsed,
            "ok": agg["ok"], "429": agg["429"], "errors": n_err,
            "rate": agg["ok"] / elapsed if elapsed > 0 else 0.0,
            "lat_p50": pctl(agg["lat"], 50), "lat_p99": pctl(agg["lat"], 99),
            "queue_ms_p50": median(agg["queue"]), "reconnects": agg["reconnects"],
            "client_cpu_frac": client_cpu / max(1e-9, end - cpu0)}


def measured(d, budget, fn, again_s):
    """fn() once; if other work took more than RETRY_OTHER cores of the machine meanwhile,
    once more (RETRIES) when the budget allows again_s(result) seconds: the least
    disturbed attempt is kept, with the errors of every attempt."""
    best, attempts, extra_errors = None, 0, 0
    while True:
        meter = CpuMeter(d)
        r = fn()
        r["other_cores"] = meter.other_cores()
        attempts += 1
        if best is None or r["other_cores"] < best["other_cores"]:
            if best is not None:
                extra_errors += best["errors"]
            best = r
        else:
            extra_errors += r["errors"]
        if (best["other_cores"] <= RETRY_OTHER or attempts > RETRIES
                or not budget.allows(again_s(best))):   # again_s: this point + the rest
            break
        log("  disturbed (other CPU %.2f cores): measuring again" % r["other_cores"])
        d.wait_idle()
    best["errors"] += extra_errors
    best["attempts"] = attempts
    return best


def run_mode(mode, workdir, errors, budget_s):
    res = {"mode": mode, "seq": {}, "spaced": {}, "tp": {}, "skipped": [], "budget_s": budget_s}
    d = Daemon(mode, workdir)
    log("starting %s mode daemon (budget %.0f s)" % (mode, budget_s))
    d.start()
    budget = Budget(budget_s)
    try:
        res["argv"] = d.argv
        res["start_s"] = d.start_s
        mode_meter = CpuMeter(d)
        t_mode = time.monotonic()
        res["load_before"] = os.getloadavg()
        c = Client(d.port)
        for w in WORKLOADS:                 # warm-up: the first executions of each kind
            for _ in range(WARMUP):
                outcome, info = c.execute(body_of(w), CHECKS[w])
                if outcome == "error":
                    errors.append("%s warm-up %s: %s" % (mode, w, info))
        c.close()
        d.wait_idle()
        res["pss_idle"] = d.pss()
        # The plan, in order; its estimates decide what fits in the budget, and a
        # disturbed measurement is repeated only if everything after it still fits.
        plan = ([("latency", w, None) for w in WORKLOADS] +
                [("spaced", w, None) for w in SPACED_WORKLOADS if mode in SPACED_MODES] +
                [("throughput", w, c) for w in TP_WORKLOADS for c in TP_LEVELS[w]] +
                [("overload", "hello", OVERLOAD_C)])

        def p50_s(w):
            return ((res["seq"].get(w) or {}).get("p50") or GUESS_MS[mode][w]) / 1000.0

        def estimate(point):
            kind, w, conc = point
            if kind == "latency":
                warm, n, cap = SEQ[mode][w]
                return min(cap, (warm + n) * p50_s(w))
            if kind == "spaced":
                warm, n, cap = SPACED
                return min(cap, (warm + n) * (p50_s(w) + SPACED_GAP_MS / 1000.0))
            # the window, then the last requests of conc clients drain through the slots
            return DURATION + min(conc, SLOTS + QUEUE) * p50_s(w) / SLOTS

        for i, point in enumerate(plan):
            kind, w, conc = point
            after = plan[i + 1:]

            def reserve():
                return sum(estimate(p) for p in after)

            if not budget.allows(estimate(point)):
                res["skipped"].append(kind + " " + w + ("" if conc is None else " c=%d" % conc))
                continue
            if kind in ("latency", "spaced"):
                spaced = kind == "spaced"
                warm, n, cap = SPACED if spaced else SEQ[mode][w]
                gap_s = SPACED_GAP_MS / 1000.0 if spaced else 0.0
                cap = min(cap, budget.deadline - time.monotonic())
                if spaced:
                    d.wait_idle()
                log("%s: %s sequential%s (%d+%d, cap %.0f s)"
                    % (mode, w, ", %d ms apart" % SPACED_GAP_MS if spaced else "", warm, n, cap))
                res[kind if spaced else "seq"][w] = r = measured(
                    d, budget,
                    lambda: sequential(d.port, w, warm, n, cap, errors,
                                       "%s %s%s" % (mode, w, " spaced" if spaced else ""), gap_s),
                    lambda r: estimate(point) + reserve())
                log("  n=%d p50=%s ms setup=%s run=%s prebuilt=%s lean=%s (other CPU %.2f cores)"
                    % (r["n"], fmt(r["p50"]), fmt(r["setup_ms_p50"]), fmt(r["wall_ms_p50"]),
                       fmt(r["prebuilt"]), fmt(r["lean"]), r["other_cores"]))
                continue
            d.wait_idle()
            label = "%s %s%s" % (mode, "overload " if kind == "overload" else "", w)
            log("%s: %s %s c=%d for %.1f s%s" % (
                mode, w, kind, conc, DURATION,
                " (slots+queue=%d)" % (SLOTS + QUEUE) if kind == "overload" else ""))
            r = measured(d, budget, lambda: throughput(d.port, w, conc, DURATION, errors, label),
                         lambda r: estimate(point) + reserve())
            if kind == "overload":
                res["overload"] = r
            else:
                res["tp"].setdefault(w, {})[conc] = r
            log("  %.1f/s ok=%d 429=%d errors=%d (%.1f s, client cpu %.0f%%, other CPU "
                "%.2f cores)" % (r["rate"], r["ok"], r["429"], r["errors"], r["elapsed_s"],
                                 100 * r["client_cpu_frac"], r["other_cores"]))
        res["idle_after_load"] = d.wait_idle()
        time.sleep(0.3)
        res["pss_after"] = d.pss()
        dt = time.monotonic() - t_mode
        # CPU the rest of the machine used meanwhile (qemu, compilers, tests...), in cores
        res["foreign_cores"] = mode_meter.other_cores()
        res["load_after"] = os.getloadavg()
        res["mode_s"] = dt
    finally:
        rc = d.stop()
        res["stop_rc"] = rc
        if rc not in (0, None):
            errors.append("%s mode daemon exit status after SIGTERM: %s\n%s"
                          % (mode, rc, d.log_tail()))
    return res


# ---------------------------------------------------------------------------
# Report


def fmt(v, digits=None):
    if v is None:
        return "-"
    if digits is None:
        digits = 0 if abs(v) >= 100 else (1 if abs(v) >= 10 else 2)
    return "%.*f" % (digits, v)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.1fx" % (a / b)


def table(rows, right_from=2):
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        cells = []
        for i, cell in enumerate(r):
            cells.append(cell.ljust(widths[i]) if i < right_from else cell.rjust(widths[i]))
        out.append("  ".join(cells).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def mib(kib):
    return "-" if kib is None else "%.1f" % (kib / 1024.0)


def report(results, started, errors, floor=None, floor_end=None):
    by = {r["mode"]: r for r in results}
    cold = by.get("cold")
    lines = []
    src = source_info()
    lines.append("pyexec bench%s  (%s)" % (" QUICK" if QUICK else "", started))
    lines.append("binary built %s; source: git %s%s" % (
        src["built"], src["head"], " + uncommitted changes in src/runtime" if src["dirty"] else ""))
    lines.append("daemon: %s --slots %d --queue %d --bind 127.0.0.1; %d CPUs; throughput window "
                 "%.1f s/point; client: %s, 1 keep-alive connection per thread"
                 % (PYEXECD, SLOTS, QUEUE, NCPU, DURATION, sys.executable))
    lines.append("")
    lines.append("latency: sequential requests on one connection, ms (client-side, request sent "
                 "-> response read);")
    lines.append("  setup = median usage.setup_ms (building the jail), run = median usage.wall_ms "
                 "(jail running -> result collected),")
    lines.append("  other = median of (client latency - queue - setup - run): HTTP, JSON, IPC;")
    lines.append("throughput: successful executions/s at concurrency c; 429 = answers 429 at "
                 "c=1/8/32 (not failures); err = all errors")
    lines.append("  ratio rows: latency columns = cold/<mode> (speed-up), throughput "
                 "columns = <mode>/cold")
    lines.append("modes: " + "; ".join("%s = %s" % (m, " ".join(MODE_ARGS[m])) for m in MODES
                                      if m in MODE_ARGS))
    lines.append("other CPU: most CPU (cores, of %d) that processes other than the daemon and "
                 "this client used during the row's measurements" % NCPU)
    lines.append("")
    head = ["workload", "mode", "n", "p50", "p90", "p99", "setup", "run", "other",
            "c=1/s", "c=8/s", "c=32/s", "429", "err", "other CPU"]
    rows = [head]
    for w in WORKLOADS:
        for r in [by.get(m) for m in MODE_ARGS]:
            if r is None:
                continue
            s = r["seq"].get(w) or {}
            tp = r["tp"].get(w) or {}
            rate = [fmt(tp[c]["rate"]) if c in tp else "-" for c in LEVELS]
            r429 = "/".join(str(tp[c]["429"]) if c in tp else "-" for c in LEVELS)
            err = (s.get("errors") or 0) + sum(tp[c]["errors"] for c in tp)
            other = [x.get("other_cores") for x in [s] + list(tp.values())]
            other = [x for x in other if x is not None]
            rows.append([w, r["mode"], str(s.get("n", "-")), fmt(s.get("p50")), fmt(s.get("p90")),
                         fmt(s.get("p99")), fmt(s.get("setup_ms_p50")), fmt(s.get("wall_ms_p50")),
                         fmt(s.get("rest_ms_p50")), rate[0], rate[1], rate[2],
                         r429 if w in TP_WORKLOADS else "-", str(err),
                         "%.2f" % max(other) if other else "-"])
        for fast in [by.get(m) for m in ("warm", "nopool", "single")]:
            if not cold or not fast:
                continue
            cs, ws = cold["seq"].get(w) or {}, fast["seq"].get(w) or {}
            ct, wt = cold["tp"].get(w) or {}, fast["tp"].get(w) or {}
            rows.append([w, "ratio " + fast["mode"], "", ratio(cs.get("p50"), ws.get("p50")),
                         ratio(cs.get("p90"), ws.get("p90")), ratio(cs.get("p99"), ws.get("p99")),
                         "", "", ""] +
                        [ratio(wt[c]["rate"], ct[c]["rate"]) if c in ct and c in wt else "-"
                         for c in LEVELS] + ["", "", ""])
    lines.append(table(rows))
    lines.append("")
    lines += spaced_report(results, (floor or {}).get("script") or {})

    rows = [["overload", "mode", "clients", "ok/s", "ok", "429", "err", "p50 ms", "queue p50",
             "other CPU"]]
    for r in results:
        o = r.get("overload")
        if o:
            rows.append(["hello", r["mode"], str(OVERLOAD_C), fmt(o["rate"]), str(o["ok"]),
                         str(o["429"]), str(o["errors"]), fmt(o["lat_p50"]),
                         fmt(o["queue_ms_p50"]), "%.2f" % o.get("other_cores", 0)])
    if len(rows) > 1:
        lines.append("overload: %d clients > slots+queue = %d; a client that gets 429 waits "
                     "%.0f ms" % (OVERLOAD_C, SLOTS + QUEUE, BACKOFF_429 * 1000))
        lines.append(table(rows))
        lines.append("")

    rows = [["idle memory, MiB", "mode", "PSS total", "supervisor", "front", "spawner", "lean",
             "other", "procs", "USS", "RSS sum"]]
    for r in results:
        for key, label in (("pss_idle", "after warm-up"), ("pss_after", "after the run")):
            p = r.get(key)
            if p:
                rows.append([label, r["mode"], mib(p["total"]), mib(p.get("supervisor")),
                             mib(p.get("front")), mib(p.get("spawner")), mib(p.get("lean")),
                             mib(p.get("other")),
                             str(p["processes"]), mib(p.get("uss")), mib(p.get("rss"))])
    lines.append(table(rows))
    lines.append("  PSS splits pages shared with other processes (e.g. another pyexecd's libpython, "
                 "numpy) between them;")
    lines.append("  USS = private pages only (what stopping the daemon would free), RSS sum "
                 "counts shared pages once per process")
    lines.append("")

    rows = [["machine", "mode", "load before", "load after", "other CPU", "client CPU max",
             "start s", "mode s"]]
    for r in results:
        cpu = [t["client_cpu_frac"] for w in r["tp"].values() for t in w.values()]
        rows.append(["", r["mode"], " ".join("%.2f" % x for x in r.get("load_before", ())),
                     " ".join("%.2f" % x for x in r.get("load_after", ())),
                     "%.2f cores" % r.get("foreign_cores", 0),
                     "%.0f%% of a core" % (100 * max(cpu)) if cpu else "-",
                     "%.2f" % r.get("start_s", 0), "%.0f" % r.get("mode_s", 0)])
    lines.append(table(rows))
    lines.append("")
    if floor:
        lines += floor_report(floor, floor_end)
    again = ["%s %s%s (%.2f cores)" % (r["mode"], w, "" if c is None else " c=%d" % c,
                                       x["other_cores"])
             for r in results
             for w, c, x in ([(w, None, x) for w, x in r["seq"].items()] +
                             [(w, c, x) for w, t in r["tp"].items() for c, x in t.items()] +
                             ([("overload", None, r["overload"])] if r.get("overload") else []))
             if x.get("attempts", 1) > 1]
    if again:
        lines.append("measured twice, other work above %.2f cores the first time (kept the "
                     "quieter attempt, other CPU shown): %s" % (RETRY_OTHER, ", ".join(again)))
    skipped = [(r["mode"], s) for r in results for s in r["skipped"]]
    if skipped:
        lines.append("skipped (would overrun the %.0f s budget): %s"
                     % (BUDGET, ", ".join("%s %s" % x for x in skipped)))
    lines.append("")
    if errors:
        lines.append("ERRORS (%d):" % len(errors))
        for e in errors[:40]:
            lines.append("  " + e)
    else:
        lines.append("errors: none")
    lines.append("total %.0f s" % (time.monotonic() - T0))
    return "\n".join(lines)


def spaced_report(results, script):
    rows = [["spaced", "mode", "n", "p50", "p90", "p99", "setup", "run", "other", "prebuilt",
             "script", "p50/script", "err"]]
    for w in SPACED_WORKLOADS:
        for r in results:
            x = r.get("spaced", {}).get(w)
            if not x:
                continue
            share = ("%.0f%%" % (100.0 * x["prebuilt"] / x["n"])
                     if x.get("prebuilt") is not None and x["n"] else "-")
            rows.append([w, r["mode"], str(x["n"]), fmt(x["p50"]), fmt(x["p90"]), fmt(x["p99"]),
                         fmt(x["setup_ms_p50"]), fmt(x["wall_ms_p50"]), fmt(x["rest_ms_p50"]),
                         share, fmt(script.get(w)), ratio(x["p50"], script.get(w)),
                         str(x["errors"])])
    if len(rows) == 1:
        return []
    return ["latency with a pause: sequential requests, %d ms between a response and the next "
            "request (the pool refills in the pause), ms;" % SPACED_GAP_MS,
            "  prebuilt = share of the samples a pre-built jail served "
            "(pyexec_executions_prebuilt_total);",
            "  script = the script itself, median, in one process with numpy and pandas imported "
            "(no jail, fork, IPC or HTTP): the floor", table(rows), ""]


def source_info():
    """The commit the binary was most likely built from, and whether src/ or runtime/
    had uncommitted changes (other work in progress) at bench time."""
    def git(*args):
        try:
            return subprocess.run(["git", "-C", REPO] + list(args), capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "src", "runtime", "Makefile")
    try:
        built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(PYEXECD).st_mtime))
    except OSError:
        built = "?"
    return {"head": head, "dirty": bool(dirty), "built": built}


# ---------------------------------------------------------------------------
# Machine floor: what this machine charges for the fork-per-execution design itself,
# measured in the same run with no jail and no daemon, so that the modes' figures can be
# read against it (a VM whose page-table work does not scale over its CPUs caps every
# fork-based service, whatever it does on top).

FLOOR_PYTHON = "/usr/bin/python3"
FLOOR_FORKS = 40 if QUICK else 150      # fork()+_exit() per process, bounded by FLOOR_CAP_S too
FLOOR_CAP_S = 3.0 if QUICK else 6.0
FLOOR_SPIN = 1000000 if QUICK else 3000000
FLOOR_SCRIPT = r"""
import os, sys, time
kind, n, cap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if kind == "pandas":
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import numpy, pandas
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()
t0 = time.perf_counter(); done = 0
if kind == "spin":
    s = 0
    for i in range(n):
        s += i
    done = 1
else:
    while done < n and time.perf_counter() - t0 < cap:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        done += 1
print("%d %.6f" % (done, time.perf_counter() - t0))
"""


def floor_point(kind, parallel):
    """Runs `parallel` copies of FLOOR_SCRIPT at once (started together once all have
    imported): (ms per iteration, median over the copies; iterations/s of all together)."""
    n = FLOOR_SPIN if kind == "spin" else FLOOR_FORKS
    procs = []
    try:
        for _ in range(parallel):
            procs.append(subprocess.Popen([FLOOR_PYTHON, "-c", FLOOR_SCRIPT, kind, str(n),
                                           str(FLOOR_CAP_S)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, text=True))
        for pr in procs:
            if pr.stdout.readline().strip() != "ready":
                return None
        for pr in procs:
            pr.stdin.write("go\n")
            pr.stdin.flush()
        per, total = [], 0.0
        for pr in procs:
            out, _ = pr.communicate(timeout=FLOOR_CAP_S + 60)
            done, secs = out.split()
            done, secs = int(done), float(secs)
            per.append(secs * 1000.0 / max(1, done))
            total += done / secs if secs > 0 else 0.0
        return {"ms": median(per), "per_s": total}
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
                pr.wait()


SCRIPT_COST = r"""
import contextlib, io, json, statistics, sys, time
import numpy, pandas                    # what the zygote has imported before any request
scripts, n = json.loads(sys.stdin.read()), int(sys.argv[1])
out = {}
for name, text in scripts.items():
    times = []
    for i in range(n + 3):              # the first 3: this process's own warm-up
        t0 = time.perf_counter()
        g = {"__name__": "__main__"}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(text, "<script>", "exec"), g)
            json.dumps(g["main"]())
        times.append((time.perf_counter() - t0) * 1000.0)
    out[name] = statistics.median(times[3:])
print(json.dumps(out))
"""


def script_cost():
    """{workload: ms}: the median cost of each SPACED_WORKLOADS script itself (compile,
    module body, main(), its result as JSON, stdout captured) in one process with
    numpy and pandas imported already: what no sandbox can go below. None on failure."""
    try:
        r = subprocess.run([FLOOR_PYTHON, "-c", SCRIPT_COST, "10" if QUICK else "50"],
                           input=json.dumps({w: SCRIPTS[w] for w in SPACED_WORKLOADS}),
                           capture_output=True, text=True, timeout=120)
        return json.loads(r.stdout) if r.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def machine_floor():
    res = {}
    for kind in ("bare", "pandas", "spin"):
        res[kind] = {1: floor_point(kind, 1), NCPU: floor_point(kind, NCPU)}
    return res


FLOOR_LABELS = {"bare": "fork()+_exit() of python3", "pandas": "  the same, pandas imported",
                "spin": "a pure-Python loop (CPU only)"}


def floor_report(floor, floor_end=None):
    """The floor measured before the modes ran and, when given, again after them: a
    machine whose speed changed meanwhile (another tenant of its host) says so here."""
    rows = [["machine floor", "when", "1 at a time ms", "%d at once ms" % NCPU, "1: /s",
             "%d: /s" % NCPU, "scaling"]]
    for kind in ("bare", "pandas", "spin"):
        for when, f in (("start", floor), ("end", floor_end)):
            if f is None:
                continue
            one, many = f.get(kind, {}).get(1), f.get(kind, {}).get(NCPU)
            if not one or not many:
                rows.append([FLOOR_LABELS[kind], when, "-", "-", "-", "-", "-"])
                continue
            rows.append([FLOOR_LABELS[kind], when, fmt(one["ms"]), fmt(many["ms"]),
                         fmt(one["per_s"]) if kind != "spin" else "-",
                         fmt(many["per_s"]) if kind != "spin" else "-",
                         "%.2fx" % (many["per_s"] / one["per_s"]) if one["per_s"] else "-"])
    out = ["machine floor: no jail, no daemon; %s, %d forks per process (at most %.0f s), "
           "the loop %d additions;" % (FLOOR_PYTHON, FLOOR_FORKS, FLOOR_CAP_S, FLOOR_SPIN),
           "  scaling = rate of %d at once / rate of 1 (%d.00x: the CPUs add up; 1.00x: the "
           "machine does that work one at a time); start = before the modes ran, end = after"
           % (NCPU, NCPU), table(rows)]
    drift = []
    for kind in ("pandas", "spin"):
        a = (floor or {}).get(kind, {}).get(1)
        b = (floor_end or {}).get(kind, {}).get(1)
        if a and b and a["ms"]:
            drift.append("%s %+.0f%%" % (FLOOR_LABELS[kind].strip(), 100.0 * (b["ms"] / a["ms"] - 1)))
    if drift:
        out.append("  end against start, 1 at a time: %s (positive: the machine got slower "
                   "during the run, which moves every ratio above)" % "; ".join(drift))
    return out + [""]


def machine_info():
    model = "?"
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = "?"
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            mem = "%.1f GiB" % (int(line.split()[1]) / 1048576.0)
    return {"nproc": NCPU, "cpu": model, "kernel": os.uname().release, "memory": mem}


def main():
    if os.geteuid() != 0:
        print("bench: pyexecd must run as root", file=sys.stderr)
        return 2
    unknown = [m for m in MODES if m not in MODE_ARGS]
    if unknown:
        print("bench: unknown mode(s) in BENCH_MODES: %s (known: %s)"
              % (", ".join(unknown), ", ".join(MODE_ARGS)), file=sys.stderr)
        return 2
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info = machine_info()
    log("machine: %(nproc)d CPUs, %(cpu)s, kernel %(kernel)s, %(memory)s" % info)
    log("load before: %.2f %.2f %.2f" % os.getloadavg())
    errors, results = [], []
    rc = 0
    floor = machine_floor()
    floor["script"] = script_cost()
    with tempfile.TemporaryDirectory(prefix="pyexec-bench-") as workdir:
        weights = {"cold": 3.0, "warm": 2.0, "nopool": 2.0, "single": 2.0}  # cold runs take longer
        for mode in MODES:
            spent = time.monotonic() - T0
            left_w = sum(weights.get(m, 2.0) for m in MODES[MODES.index(mode):])
            share = (BUDGET - spent) * weights.get(mode, 2.0) / left_w
            try:
                results.append(run_mode(mode, workdir, errors, max(5.0, share)))
            except DaemonError as e:
                errors.append("%s mode daemon failed to start: %s" % (mode, e))
                rc = 2
    floor_end = machine_floor()
    text = report(results, started, errors, floor, floor_end)
    print(text)
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"machine": info, "floor": floor, "floor_end": floor_end, "started": started, "quick": QUICK, "slots": SLOTS,
                       "queue": QUEUE, "duration_s": DURATION, "results": results,
                       "errors": errors, "report": text}, f, indent=1, default=str)
    if rc == 0 and errors:
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
