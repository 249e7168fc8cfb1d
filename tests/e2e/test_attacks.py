"""The attack corpus (tests/attacks/, one hostile script per file) against the
session daemon.  Each case states in its header what it attempts and what must
happen (format: tests/attacks/README.md); the script reports what it observed
from inside, and this file asserts it.  After every case: the host-side
loopback listeners were not reached, the daemon's log is still one JSON
object per line, the daemon's own processes did not balloon (peak RSS), and
`no_leaks` finds nothing left behind.

    PYEXECD=build/pyexecd /usr/bin/python3 -m pytest -q tests/e2e/test_attacks.py

Cases that carry `pair: NAME ROLE` run together, concurrently or one after
another, in test_attack_pair; all others in test_attack.
"""

import os
import sys
import threading
import time

import pytest

import e2e_util as u

sys.path.insert(0, os.path.join(u.REPO, "tests", "attacks"))
import attack_lib as al  # noqa: E402 - found through the path set just above

pytestmark = pytest.mark.usefixtures("no_leaks")

# How much the front's or the spawner's peak RSS may grow during one case
# (two executions for a pair).  The result is capped at 8 MiB and each output
# at 1 MiB; holding and re-encoding those must not cost hundreds of MB.
PEAK_GROWTH_MB = float(os.environ.get("PYEXEC_ATTACK_PEAK_MB", "160"))


def _load_all():
    cases, broken = [], []
    for name in al.case_files():
        try:
            cases.append(al.load(name))
        except (al.HeaderError, SyntaxError, OSError) as e:
            broken.append((name, e))
    return cases, broken


CASES, BROKEN = _load_all()
SINGLES = [c for c in CASES if c.pair is None]
PAIRS = sorted({c.pair for c in CASES if c.pair is not None})


def _names():
    """Names an expectation may use beyond the answer's own (attack_lib.eval_names)."""
    return {"sanitizer_in_jail": u.sanitizer_in_jail()}


def _tokens(daemon, listeners):
    tokens = {"PORT": daemon.port, "CANARY": u.CANARY_VALUE, "WORKDIR": daemon.workdir,
              "REPO": u.REPO, "DAEMON_PID": daemon.pid}
    if listeners is not None:
        tokens.update(listeners.tokens)
    return tokens


def _run(daemon, case, listeners=None):
    """Sends one case; returns (response, seconds, sent_at, answered_at)."""
    script = al.prepare(case, _tokens(daemon, listeners))
    memory = u.incidental_memory(case.memory) if case.memory_incidental else case.memory
    t0, w0 = time.monotonic(), time.time()
    r = daemon.client.execute(script, timeout=case.timeout, memory=memory,
                              http_timeout=case.timeout + 60)
    return r, time.monotonic() - t0, w0, time.time()


def _needs_listeners(cases):
    return any(al.tokens_used(c) & {"TCP_PORT", "UDP_PORT", "ABSTRACT"} for c in cases)


def _peaks(daemon):
    procs = daemon.client.health().get("processes") or {}
    return al.PeakWatch({role: p["pid"] for role, p in procs.items()
                         if isinstance(p, dict) and isinstance(p.get("pid"), int)})


def _after(daemon, log, bodies, listeners, peaks, allowed_mb=PEAK_GROWTH_MB):
    """Host-side checks once a case (or pair) has been answered."""
    __tracebackhide__ = True
    for b in bodies:
        rid = b.get("request_id")
        if rid:
            assert log.wait_for(rid), "request %s never appeared in the daemon's log" % rid
    problems = log.problems()
    for role, mb in sorted(peaks.growth_mb().items()):
        if mb > allowed_mb:
            problems.append("the daemon's %s grew by %.0f MB (peak RSS) during the case, "
                            "allowed %.0f" % (role, mb, allowed_mb))
    if listeners is not None:
        time.sleep(0.2)  # a datagram or connection still in flight
        problems += ["host listener reached: %s" % e for e in listeners.touched()]
    assert not problems, "\n  ".join(problems)


def test_corpus_headers():
    assert not BROKEN, "cases whose header does not parse:\n  " + "\n  ".join(
        "tests/attacks/%s: %s" % (n, e) for n, e in BROKEN)
    assert len(CASES) >= 55, "the corpus shrank to %d cases" % len(CASES)


@pytest.mark.parametrize("case", SINGLES, ids=[c.name for c in SINGLES])
def test_attack(daemon, case):
    log = al.LogWatch(daemon.log_path)
    peaks = _peaks(daemon)
    listeners = al.HostListeners() if _needs_listeners([case]) else None
    try:
        r, seconds, _, _ = _run(daemon, case, listeners)
        body = al.check_answer(case, r, seconds, _names())
        _after(daemon, log, [body], listeners, peaks)
    finally:
        if listeners is not None:
            listeners.close()


@pytest.mark.parametrize("pair", PAIRS)
def test_attack_pair(daemon, pair):
    members = [c for c in CASES if c.pair == pair]
    assert len(members) >= 2, "pair %s has only %s" % (pair, [c.name for c in members])
    roles = {c.role: c for c in members}
    assert len(roles) == len(members), "pair %s repeats a role" % pair
    for c in members:
        dep = c.start[len("after "):] if c.start.startswith("after ") else None
        assert dep is None or dep in roles, "%s waits for unknown role %s" % (c.name, dep)

    log = al.LogWatch(daemon.log_path)
    peaks = _peaks(daemon)
    listeners = al.HostListeners() if _needs_listeners(members) else None
    answers, errors, done = {}, {}, {role: threading.Event() for role in roles}
    t0 = time.monotonic()

    def member(c):
        try:
            delay = al.start_delay(c)
            if delay is None:
                assert done[c.start[len("after "):]].wait(120), "%s: never started" % c.name
            else:
                time.sleep(max(0.0, t0 + delay - time.monotonic()))
            answers[c.role] = _run(daemon, c, listeners)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors[c.role] = e
        finally:
            done[c.role].set()

    threads = [threading.Thread(target=member, args=(c,), daemon=True) for c in members]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert not errors, "pair %s: %r" % (pair, errors)
        missing = sorted(set(roles) - set(answers))
        assert not missing, "pair %s: no answer for %s" % (pair, missing)
        bodies, times = {}, {}
        for c in members:
            r, seconds, sent, answered = answers[c.role]
            bodies[c.role] = al.check_answer(c, r, seconds, _names())
            times[c.role] = (sent, answered)
        al.check_pair(members, bodies, times)
        _after(daemon, log, list(bodies.values()), listeners, peaks,
               allowed_mb=PEAK_GROWTH_MB * len(members))
    finally:
        if listeners is not None:
            listeners.close()
