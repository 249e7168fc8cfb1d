"""The attack corpus's machinery: reading the cases in this folder, preparing a
case's script for sending, checking the answer, and the host-side observers
(loopback listeners, the daemon's log, the daemon's peak memory).  Used by tests/e2e/test_attacks.py;
the header format is documented in README.md next to this file.

Invariants:
  * every case file other than this one is a case; a file whose header does
    not parse is reported as a failing case, never skipped;
  * every script sent is wrapped by GUARD, so a case that would act on the
    host refuses to run anywhere but inside the jail;
  * the only addresses anything here binds or connects to are on loopback.
"""

import errno
import json
import os
import re
import socket
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.basename(__file__)

DEFAULT_TIMEOUT = 3.0
# Seconds allowed past a case's timeout for the answer (a loaded 2-core machine).
DEFAULT_SLACK = 6.0
# Per stream, in characters: what the daemon keeps (--max-output-bytes) plus
# room for a marker.  Characters, not bytes: each kept byte that is not UTF-8
# becomes one U+FFFD, three bytes.
OUTPUT_CAP = (1 << 20) + 256

_KEY_RE = re.compile(r"^#\s?([a-z][a-z-]*):(.*)$")
_CONT_RE = re.compile(r"^#\s{3,}(\S.*)$")
_REPEATABLE = {"expect-result", "expect-body", "expect-pair", "why"}
_KEYS = {"attack", "why", "expect-result", "expect-error", "expect-status", "expect-body",
         "timeout", "memory", "memory-incidental", "max-seconds", "pair", "start",
         "expect-pair"}


class HeaderError(ValueError):
    pass


class Case:
    """One case file: its header, parsed and validated."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            self.source = f.read()
        h = parse_header(self.source)
        self.attack = h["attack"]
        self.expect_result = h.get("expect-result", [])
        self.expect_error = set(h["expect-error"].split()) if "expect-error" in h else set()
        self.expect_body = h.get("expect-body", [])
        self.expect_pair = h.get("expect-pair", [])
        self.timeout = _number(h, "timeout", DEFAULT_TIMEOUT)
        self.memory = int(_number(h, "memory", 0)) or None
        # why memory is not this case's subject (then a sanitized jail gets more)
        self.memory_incidental = h.get("memory-incidental")
        if self.memory_incidental is not None and not self.memory_incidental:
            raise HeaderError("%s: memory-incidental: wants the reason" % self.name)
        self.max_seconds = _number(h, "max-seconds", self.timeout + DEFAULT_SLACK)
        if "expect-status" in h:
            self.expect_status = int(h["expect-status"])
        else:
            self.expect_status = None
        if not (self.expect_result or self.expect_error):
            raise HeaderError("%s: needs expect-result or expect-error" % self.name)
        for expr in self.expect_result + self.expect_body + self.expect_pair:
            compile(expr, "%s header" % self.name, "eval")  # SyntaxError names the case
        self.pair = self.role = None
        if "pair" in h:
            parts = h["pair"].split()
            if len(parts) != 2:
                raise HeaderError("%s: pair: wants NAME ROLE" % self.name)
            self.pair, self.role = parts
        elif self.expect_pair:
            raise HeaderError("%s: expect-pair without pair" % self.name)
        self.start = h.get("start", "now").strip()
        if not re.match(r"^(now|\+\d+(\.\d+)?|after [\w-]+)$", self.start):
            raise HeaderError("%s: start: wants now, +SECONDS or after ROLE" % self.name)
        if "def main(" not in self.source:
            raise HeaderError("%s: defines no main()" % self.name)

    def __repr__(self):
        return "<Case %s>" % self.name


def _number(h, key, default):
    if key not in h:
        return default
    try:
        return float(h[key])
    except ValueError:
        raise HeaderError("%s: %r is not a number" % (key, h[key])) from None


def parse_header(text):
    """{key: value} (a list for repeatable keys) from the leading comment block."""
    out, last = {}, None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if line.strip() == "#":
            last = None
            continue
        cont = _CONT_RE.match(line)
        m = _KEY_RE.match(line)
        if cont and last is not None and not m:
            if isinstance(out[last], list):
                out[last][-1] += " " + cont.group(1).strip()
            else:
                out[last] += " " + cont.group(1).strip()
            continue
        if not m:
            raise HeaderError("header line is neither 'key: value' nor a continuation: %r"
                              % line)
        key, value = m.group(1), m.group(2).strip()
        if key not in _KEYS:
            raise HeaderError("unknown header key %r" % key)
        if key in _REPEATABLE:
            out.setdefault(key, []).append(value)
        elif key in out:
            raise HeaderError("header key %r given twice" % key)
        else:
            out[key] = value
        last = key
    if "attack" not in out:
        raise HeaderError("no '# attack:' line at the top")
    return out


def case_files():
    return sorted(n for n in os.listdir(HERE) if n.endswith(".py") and n != LIB)


def load(name):
    return Case(os.path.join(HERE, name))


# ---------------------------------------------------------------------------
# preparing a script

# Appended to every script: main() refuses unless it runs as the jail's uid
# 1000 inside a user namespace that maps it elsewhere, with no /sys.  So a
# case such as kill(-1, SIGKILL) cannot hurt a host where the sandbox failed
# to start; the refusal fails the case.
GUARD = '''

# ---- appended by tests/attacks/attack_lib.py: refuse to run unsandboxed ----
def _attack_guard(real_main):
    import os as _os

    def main():
        try:
            with open("/proc/self/uid_map") as _f:
                _map = _f.read().split()
        except OSError as _e:
            _map = ["unreadable", str(_e)]
        if (_os.getuid() != 1000 or _map[:1] != ["1000"] or _map[1:2] == ["1000"]
                or _os.path.exists("/sys/kernel")):
            return {"refused": "not sandboxed: uid %d, uid_map %r" % (_os.getuid(), _map)}
        return real_main()
    return main


main = _attack_guard(main)
'''


def prepare(case, tokens):
    """The script to send: {{TOKEN}}s replaced, GUARD appended."""
    src = case.source
    for key, value in tokens.items():
        src = src.replace("{{%s}}" % key, str(value))
    left = re.findall(r"\{\{[A-Z_]+\}\}", src)
    assert not left, "%s: no value for %s" % (case.name, sorted(set(left)))
    return src + GUARD


def tokens_used(case):
    return set(re.findall(r"\{\{([A-Z_]+)\}\}", case.source))


# ---------------------------------------------------------------------------
# checking an answer


def decode_body(r):
    """The response as a dict; fails unless it is strict UTF-8 JSON."""
    __tracebackhide__ = True  # pytest: show the message, not this frame
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), \
        "status %d with Content-Type %r: %r" % (r.status_code, ctype, r.content[:300])
    try:
        text = r.content.decode("utf-8")  # strict: U+FFFD must replace bad bytes
    except UnicodeDecodeError as e:
        raise AssertionError("response is not valid UTF-8 (%s): %r"
                             % (e, r.content[max(0, e.start - 40):e.start + 40])) from None
    try:
        body = json.loads(text)
    except ValueError as e:
        raise AssertionError("response is not JSON (%s): %r" % (e, text[:300])) from None
    assert isinstance(body, dict), "response is not an object: %r" % text[:300]
    return body


def short(obj, n=1200):
    s = obj if isinstance(obj, str) else json.dumps(obj, default=repr)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def _brief(body):
    b = dict(body)
    for k in ("stdout", "stderr", "traceback"):
        if isinstance(b.get(k), str) and len(b[k]) > 300:
            b[k] = b[k][:300] + "...(%d chars)" % len(b[k])
    b.pop("usage", None)
    b.pop("timestamp", None)
    return short(b)


def eval_names(body, status, seconds, extra=None):
    names = {"body": body, "status": status, "seconds": seconds, "errno": errno,
             "result": body.get("result"), "re": re}
    names.update(extra or {})
    return names


def check_answer(case, r, seconds, extra_names=None):
    """Asserts the answer to one case; returns the decoded body."""
    __tracebackhide__ = True  # pytest: show the message, not this frame
    body = decode_body(r)
    status = r.status_code
    where = "%s (%s)" % (case.name, case.attack)
    got = "got %d in %.2f s: %s" % (status, seconds, _brief(body))

    # What every answer must be, whatever the case.
    assert isinstance(body.get("success"), bool), "%s: no boolean success; %s" % (where, got)
    for k in ("stdout", "stderr"):
        if k in body:
            assert isinstance(body[k], str), "%s: %s is not a string; %s" % (where, k, got)
            assert len(body[k]) <= OUTPUT_CAP, "%s: %s holds %d characters, beyond the cap" \
                % (where, k, len(body[k]))
    if body["success"]:
        assert status == 200 and "result" in body, "%s: success without 200/result; %s" \
            % (where, got)
        res = body["result"]
        assert not (isinstance(res, dict) and "refused" in res), \
            "%s: the guard refused: %s" % (where, res.get("refused"))
    else:
        assert isinstance(body.get("error_type"), str) and isinstance(body.get("error"), str) \
            and body["error"].strip(), "%s: failure without error/error_type; %s" % (where, got)
    assert seconds <= case.max_seconds, \
        "%s: answered after %.2f s, allowed %.1f; %s" % (where, seconds, case.max_seconds, got)

    # What this case expects: a result, an error, or (both given) either.
    ok_result = ok_error = False
    why = []
    if case.expect_result:
        if body["success"] and status == (case.expect_status or 200):
            names = eval_names(body, status, seconds, extra_names)
            failed = [e for e in case.expect_result if not _eval(e, names, case)]
            ok_result = not failed
            why += ["expect-result does not hold: %s" % e for e in failed]
        else:
            why.append("expected a result")
    if case.expect_error:
        want = case.expect_status or 422
        ok_error = (not body["success"] and status == want
                    and body.get("error_type") in case.expect_error)
        if not ok_error:
            why.append("expected %d with error_type in %s" % (want, sorted(case.expect_error)))
    assert ok_result or ok_error, "%s: %s;\n  %s" % (where, " / ".join(why), got)

    names = eval_names(body, status, seconds, extra_names)
    for expr in case.expect_body:
        assert _eval(expr, names, case), "%s: expect-body does not hold: %s;\n  %s" \
            % (where, expr, got)
    return body


def check_pair(cases, bodies, times):
    """Evaluates every member's expect-pair over all members' answers."""
    __tracebackhide__ = True  # pytest: show the message, not this frame
    results = {c.role: bodies[c.role].get("result") for c in cases}
    for c in cases:
        names = {"results": results, "bodies": bodies, "times": times, "role": c.role,
                 "result": results[c.role], "body": bodies[c.role], "re": re}
        for expr in c.expect_pair:
            assert _eval(expr, names, c), "pair %s, %s: expect-pair does not hold: %s;\n  %s" \
                % (c.pair, c.name, expr, short({k: _brief(v) for k, v in bodies.items()}))


def _eval(expr, names, case):
    __tracebackhide__ = True  # pytest: show the message, not this frame
    scope = dict(names, __builtins__=__builtins__)  # globals: comprehensions see them too
    try:
        return bool(eval(expr, scope))  # noqa: S307 - the corpus's own expressions
    except Exception as e:  # noqa: BLE001 - a predicate that breaks is a failed predicate
        raise AssertionError("%s: evaluating %r raised %r; result was %s"
                             % (case.name, expr, e, short(names.get("result")))) from None


def start_delay(case):
    """Seconds after the pair starts, or None for 'after ROLE'."""
    if case.start == "now":
        return 0.0
    if case.start.startswith("+"):
        return float(case.start[1:])
    return None


# ---------------------------------------------------------------------------
# host-side observers


class HostListeners:
    """Loopback endpoints on the host that no script may reach: a TCP listener,
    a UDP socket and an abstract unix listener.  Each records whatever reaches
    it; `touched()` lists those reports.  Their addresses are the tokens
    {{TCP_PORT}}, {{UDP_PORT}} and {{ABSTRACT}} (the name after the NUL)."""

    def __init__(self):
        self.events = []
        self._stop = threading.Event()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(8)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.abstract_name = "pyexec-attack-host-%d-%d" % (os.getpid(), int(time.time() * 1000))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.abstract_name)
        self.unix.listen(8)
        for s in (self.tcp, self.udp, self.unix):
            s.settimeout(0.1)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    @property
    def tokens(self):
        return {"TCP_PORT": self.tcp.getsockname()[1], "UDP_PORT": self.udp.getsockname()[1],
                "ABSTRACT": self.abstract_name}

    def _watch(self):
        while not self._stop.is_set():
            for kind, s in (("tcp", self.tcp), ("unix", self.unix)):
                try:
                    conn, peer = s.accept()
                    self.events.append("%s connection from %r" % (kind, peer))
                    conn.close()
                except OSError:
                    pass
            try:
                data, peer = self.udp.recvfrom(2048)
                self.events.append("udp datagram from %r: %r" % (peer, data[:60]))
            except OSError:
                pass

    def touched(self):
        return list(self.events)

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for s in (self.tcp, self.udp, self.unix):
            s.close()


class PeakWatch:
    """How much the daemon's own processes (front, spawner) grew while a case
    ran: their peak RSS is reset before (/proc/PID/clear_refs, "5"), read
    after.  A script controls the result and the output the daemon parses
    and holds; their cost there must stay bounded, as they are shared by
    every execution and outside any execution's cgroup."""

    def __init__(self, pids):
        self.pids = dict(pids)  # role -> pid
        self.base = {}
        for role, pid in self.pids.items():
            try:
                with open("/proc/%d/clear_refs" % pid, "w") as f:
                    f.write("5")
            except OSError:
                pass  # not resettable: growth is then measured from the old peak
            self.base[role] = _status_kb(pid, "VmRSS")

    def growth_mb(self):
        """{role: MB the peak RSS rose above the RSS at the start}."""
        out = {}
        for role, pid in self.pids.items():
            peak, base = _status_kb(pid, "VmHWM"), self.base.get(role)
            if peak is not None and base is not None:
                out[role] = (peak - base) / 1024.0
        return out


def _status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class LogWatch:
    """The daemon's log (stderr) from a given offset: it must stay one JSON
    object per line whatever the scripts print, and no line may be one a
    script forged (a top-level "attack_marker" key)."""

    def __init__(self, path):
        self.path = path
        self.offset = self._line_start()

    def _line_start(self):
        """Where the next line starts: the end of the last complete one.  The file's
        size alone can fall inside a line, since the kernel appends a write that
        crosses a page boundary in two steps and a reader may see the first."""
        if not os.path.exists(self.path):
            return 0
        with open(self.path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            back = min(size, 1 << 16)   # a log line is far shorter
            f.seek(size - back)
            tail = f.read(back)
        return size - back + tail.rfind(b"\n") + 1

    def _complete_lines(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        return data[:end].splitlines()

    def wait_for(self, needle, wait=3.0):
        """Waits until a complete line holding `needle` (e.g. a request id) is in."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if any(needle.encode() in line for line in self._complete_lines()):
                return True
            time.sleep(0.05)
        return False

    def problems(self):
        out = []
        for i, raw in enumerate(self._complete_lines()):
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                out.append("log line is not UTF-8 JSON (%s): %r" % (e, raw[:200]))
                continue
            if not isinstance(obj, dict):
                out.append("log line is not an object: %r" % raw[:200])
            elif "attack_marker" in obj:
                out.append("a script forged a log line: %r" % raw[:200])
        return out
