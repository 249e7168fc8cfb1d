"""Fixtures for pyexec's end-to-end tests.

    PYEXECD=build/pyexecd /usr/bin/python3 -m pytest -q tests/e2e
    PYEXEC_MODE=warm ...            (runs the same suite against --mode warm)

Environment: PYEXECD (the binary; default build/pyexecd), PYEXEC_MODE (cold|warm),
PYEXEC_SANDBOX_UID (host uid of scripts, 100000), PYEXEC_E2E_LEAK_WAIT (seconds
the leak check polls, 2), PYEXEC_E2E_DEBUG=1 (print each execution's outcome and
what the leak check is still waiting for), PYEXEC_SEEDS_DIR (the seed documents,
default ../shared/seeds beside the repository), PYEXEC_E2E_POOL=N (the session
daemon keeps N pre-built jails, so its tests run through them; `make e2e-pool`).

`daemon`/`client` are one session-wide daemon (--slots 2 --queue 8);
`start_daemon(args)` starts a separate one with custom flags for one test;
`no_leaks` checks the host after a test for anything an execution left behind.

Every response a test receives is checked against docs/openapi.json
(openapi_check.py); a non-conforming one fails the test that received it, and
the session ends with a one-line count of the responses checked.
"""

import os

import pytest

import e2e_util as u
import openapi_check

_session = {}


@pytest.fixture(scope="session")
def daemon(tmp_path_factory):
    args = ["--slots", "2", "--queue", "8"]
    if u.SESSION_POOL:
        args += ["--pool", str(u.SESSION_POOL)]
    d = u.Daemon(args, str(tmp_path_factory.mktemp("daemon")), name="pyexecd-session")
    d.start()
    d.initial_tree = d.tree()
    _session["daemon"] = d
    try:
        # one execution first, so that anything created lazily (a warm zygote,
        # the daemon's cgroup subtree) is part of the baseline
        d.client.ok("def main():\n    return 1\n", timeout=30)
        d.baseline = u.LeakBaseline(d)
    except BaseException:
        d.stop()
        raise
    yield d
    final = d.baseline.problems(fd_slack=8)
    problems = d.stop()
    _session.pop("daemon", None)
    assert not final and not problems, "\n".join(final + problems) + "\n" + d.log_tail()


@pytest.fixture(scope="session")
def client(daemon):
    return daemon.client


@pytest.fixture
def no_leaks(daemon):
    yield
    problems = daemon.baseline.problems()
    assert not problems, "leak check failed:\n  " + "\n  ".join(problems)


@pytest.fixture
def start_daemon(tmp_path):
    started = []

    def start(args, name=None):
        d = u.Daemon(args, str(tmp_path), name=name or "pyexecd-%d" % (len(started) + 1))
        started.append(d)
        return d.start()

    yield start
    problems = []
    for d in started:
        problems += d.stop()
    assert not problems, "\n".join(problems) + "\n" + "\n".join(d.log_tail() for d in started)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    # responses that did not conform during this phase: the error was raised
    # where each was received, but a helper thread or the test may have caught it
    bad = openapi_check.take_failures()
    if bad:
        text = "\n".join("\n".join(errs) for errs in bad)
        if not rep.failed:
            rep.outcome = "failed"
            rep.longrepr = "%d response(s) did not conform to docs/openapi.json:\n%s" % (
                len(bad), text)
        else:
            rep.sections.append(("openapi conformance", text))
    d = _session.get("daemon")
    if rep.failed and d is not None:
        rep.sections.append(("session daemon log", d.log_tail(25)))


def pytest_report_header(config):
    lines = ["pyexecd: %s (mode %s, exists: %s)" % (u.PYEXECD, u.MODE, os.path.exists(u.PYEXECD))]
    if u.sanitizer_in_jail():
        lines.append("scripts carry ASan's runtime (warm mode): cases whose subject is not "
                     "memory ask for %d MB" % u.SANITIZER_JAIL_MEMORY_MB)
    return lines


def pytest_terminal_summary(terminalreporter, config):
    if config.option.verbose > 0:  # -v: each (method, path, status) and its count
        for (method, path, status), n in sorted(openapi_check.counts.items()):
            terminalreporter.write_line("openapi: %5d  %s %s -> %d" % (n, method, path, status))
    terminalreporter.write_line(openapi_check.summary())
