"""The lean zygote (src/spawner/lean.h) seen from outside: in warm mode a
script whose import statements name only modules of --lean-preload is cloned
from a second zygote that never imported the preload list; any other script
from the full one.  The answer is the same either way, the routing only
decides how much address space the jail starts from; if the lean zygote dies,
every script is served by the full one."""

import os
import re
import signal
import time

import pytest

import e2e_util as u

pytestmark = pytest.mark.skipif(u.MODE != "warm", reason="the lean zygote is the warm mode's")


def lean_total(c):
    r = c.get("/metrics")
    assert r.status_code == 200, r.text[:300]
    for line in r.text.splitlines():
        if line.startswith("pyexec_executions_lean_total "):
            return float(line.split()[1])
    raise AssertionError("no pyexec_executions_lean_total in /metrics")


def served_lean(c, script, want):
    before = lean_total(c)
    # One case imports pandas in a lean jail, where nothing is shared with a zygote that has
    # it; under memcheck or ASan that outgrows the default 128 MB.  Memory is not the subject.
    body = c.ok(script, memory=512)
    assert body["result"] == want, body
    return lean_total(c) == before + 1


def lean_zygotes(d):
    """The spawner's children that run as root: at idle, with no jail in its first
    steps (a jail's child is root until it takes the sandbox uid), only the lean
    zygote.  Not found by name: under valgrind every process is memcheck's."""
    spawner = d.client.health()["processes"]["spawner"]["pid"]
    found = []
    for pid in u.direct_children(spawner):
        status = u._read("/proc/%d/status" % pid) or ""
        uids = re.search(r"^Uid:\s+(.*)$", status, re.M)
        if uids and set(uids.group(1).split()) == {"0"}:
            found.append(pid)
    return found


# (script, result, served by the lean zygote)
ROUTED = [
    ("def main():\n    return 'plain'\n", "plain", True),
    ("import math, json as j\nfrom collections import Counter\n"
     "def main():\n    return j.dumps(Counter('aab')['a'] + math.floor(1.5))\n", "3", True),
    # a preloaded module, however it is imported: the full zygote
    ("import pandas as pd\ndef main():\n    return int(pd.Series([1, 2]).sum())\n", 3, False),
    ("import os\nfrom numpy import arange\ndef main():\n    return int(arange(4).sum())\n",
     6, False),
    ("def main():\n    if True: import numpy\n    return int(numpy.int64(7))\n", 7, False),
    # a module neither has loaded: the full one, which has more of what it may need
    ("import uuid\ndef main():\n    return len(str(uuid.uuid4()))\n", 36, False),
    # not an import statement: read as plain, and the import works there all the same
    ("def main():\n    m = __import__('pan' + 'das')\n    return int(m.Series([2, 3]).sum())\n",
     5, True),
    # the words inside names or after yield/raise are no imports
    ("def g():\n    yield from range(2)\n"
     "def main():\n    important = 1\n    return sum(g()) + important\n", 2, True),
]


def test_routing_and_results(start_daemon):
    d = start_daemon(["--slots", "1"])
    assert len(lean_zygotes(d)) == 1
    assert d.client.health()["processes"]["lean_zygote"] == {"pid": lean_zygotes(d)[0]}
    for script, want, lean in ROUTED:
        assert served_lean(d.client, script, want) == lean, script


def test_single_zygote_has_none(start_daemon):
    d = start_daemon(["--slots", "1", "--single-zygote"])
    assert lean_zygotes(d) == []
    assert d.client.health()["processes"]["lean_zygote"] is None
    assert not served_lean(d.client, "def main():\n    return 1\n", 1)
    assert lean_total(d.client) == 0


def test_state_does_not_carry_over_in_lean_jails(start_daemon):
    """Both zygotes start every execution from their clean state: a module-level
    change made by one run (here to a lean-preload module) is not seen by the next."""
    d = start_daemon(["--slots", "1"])
    c = d.client
    script = ("import json, random\n"
              "def main():\n"
              "    seen = getattr(json, 'pyexec_mark', None)\n"
              "    json.pyexec_mark = 'set'\n"
              "    return [seen, random.random()]\n")
    firsts = []
    for _ in range(3):
        before = lean_total(c)
        body = c.ok(script)
        assert lean_total(c) == before + 1, body
        assert body["result"][0] is None, body
        firsts.append(body["result"][1])
    assert len(set(firsts)) == 3, firsts


def test_lost_lean_zygote_leaves_the_full_one(start_daemon):
    """SIGKILL the lean zygote: the spawner notices, logs it and reaps it, and
    every later script, plain ones included, is cloned from the full zygote."""
    d = start_daemon(["--slots", "2"])
    c = d.client
    plain = "def main():\n    return 'plain'\n"
    assert served_lean(c, plain, "plain")
    zygotes = lean_zygotes(d)
    assert len(zygotes) == 1, zygotes
    os.kill(zygotes[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while lean_zygotes(d) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lean_zygotes(d) == [], "the lean zygote was not reaped"
    for _ in range(3):
        assert not served_lean(c, plain, "plain")
    lost = u.log_events(d, "lean_zygote_lost")
    assert len(lost) == 1, lost
    # The spawner told the front when it reaped it, before the answers above.
    health = c.health()
    assert health["status"] == "healthy" and health["processes"]["lean_zygote"] is None, health
