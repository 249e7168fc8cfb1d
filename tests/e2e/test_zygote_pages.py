"""The warm zygote's page sets (src/spawner/hotpages.h) seen from outside:
learned once at start-up from the runner's own probe scripts, never from a
request, and a script's run is the same whichever set its jail copied first
(the choice is a word match on the script's text, so it can be fooled, and
must be harmless when it is)."""

import pytest

import e2e_util as u

pytestmark = pytest.mark.skipif(u.MODE != "warm", reason="the page sets are the warm zygote's")


PANDAS = ("import pandas as pd\n"
          "def main():\n"
          "    return int(pd.DataFrame({'x': [1, 2, 3]})['x'].sum())\n")
# Each names (or hides) a preloaded module differently; all must give the same kind of answer.
SCRIPTS = [
    (PANDAS, 6),
    ("def main():\n    return 'no preload named'\n", "no preload named"),
    # named only in a string and a comment: the larger set, no import
    ("# pandas\ndef main():\n    return 'numpy'\n", "numpy"),
    # imported under a name the match cannot see: the base set, the import still works
    ("def main():\n    m = __import__('pan' + 'das')\n    return m.__name__\n", "pandas"),
    # part of a longer word: not a match
    ("def main():\n    mypandas_x = 2\n    return mypandas_x\n", 2),
]


def test_sets_learned_once_at_start(start_daemon):
    d = start_daemon(["--slots", "1"])
    learned = u.log_events(d, "zygote_pages")
    assert len(learned) == 1, learned
    ev = learned[0]
    assert ev.get("error") == "", ev
    base, data = int(ev["base_pages"]), int(ev["data_pages"])
    # the runner alone writes some hundreds of pages; the pandas probe more; 8192 is the cap
    assert 0 < base <= data <= 8192, ev
    assert int(ev["base_ranges"]) <= base and int(ev["data_ranges"]) <= data, ev
    for script, want in SCRIPTS:
        # the hidden import is read as plain and runs in the lean zygote (src/spawner/lean.h),
        # which imports pandas itself: with ASan's runtime in the jail, past 128 MB
        body = d.client.ok(script, memory=u.incidental_memory())
        assert body["result"] == want, body
    # requests never add to or replace the sets
    assert len(u.log_events(d, "zygote_pages")) == 1


def test_pre_built_jails_copy_the_larger_set_for_any_script(start_daemon):
    d = start_daemon(["--slots", "1", "--pool", "1"])
    assert u.log_events(d, "zygote_pages")[0].get("error") == ""
    for _ in range(2):
        for script, want in SCRIPTS:
            body = d.client.ok(script)
            assert body["result"] == want, body
