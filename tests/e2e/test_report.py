"""The runner's report ends an execution: the daemon answers as soon as the
result document and its end mark (a newline) are in, kills the jail, and
holds the slot until the jail is reaped (spawner.c, answer_early)."""

import time

import e2e_util as u


def test_complete_report_is_answered_while_the_script_still_runs(client, no_leaks):
    # The script writes a whole report itself and keeps running: the report
    # is what counts, and the rest of the run is cut short, not waited for.
    script = ("import os, time\n"
              "def main():\n"
              "    print('before the report')\n"
              "    os.write(4, b'{\"ok\":true,\"result\":7}\\n')\n"
              "    os.close(4)\n"
              "    time.sleep(30)\n"
              "    return 'not reached'\n")
    t0 = time.monotonic()
    body = client.ok(script, timeout=20)
    assert body["result"] == 7, body
    assert body["stdout"] == "before the report\n", body  # read before the answer
    assert time.monotonic() - t0 < 10, "waited for the script after its report"


def test_report_without_end_mark_waits_for_the_exit(client, no_leaks):
    # No newline: the document may have been cut short, so the daemon waits
    # for the jail's end and classifies as before (here: a clean exit).
    script = ("import os\n"
              "def main():\n"
              "    os.write(4, b'{\"ok\":true,\"result\":8}')\n"
              "    os._exit(0)\n")
    assert client.ok(script)["result"] == 8


def test_cut_report_is_no_result(client, no_leaks):
    script = ("import os, signal\n"
              "def main():\n"
              "    os.write(4, b'{\"ok\":true,\"resu')\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    r, body, _ = client.run(script)
    assert r.status_code == 422 and body["error_type"] in ("killed", "result_invalid"), body


def test_answered_jails_still_hold_their_slot(start_daemon):
    # One slot, no queue: the front admits the next request as soon as it has
    # the answer, while the answered jail may still be being torn down; the
    # spawner must queue it for the slot rather than refuse it.
    d = start_daemon(["--slots", "1", "--queue", "0"])
    for i in range(25):
        body = d.client.ok("def main():\n    return %d\n" % i)
        assert body["result"] == i, body
    h = d.client.health()
    assert h["slots"]["busy"] == 0 and h["slots"]["queued"] == 0, h


def test_processes_left_after_the_report_are_killed(client, no_leaks):
    # A forked process that ignores SIGTERM and outlives main(): the jail's
    # init is killed at the report, which takes the whole pid namespace
    # (no_leaks then finds no sandbox process and no cgroup left).
    script = ("import os, signal, time\n"
              "def main():\n"
              "    if os.fork() == 0:\n"
              "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
              "        os.close(4)\n"
              "        time.sleep(60)\n"
              "        os._exit(0)\n"
              "    return 'parent'\n")
    t0 = time.monotonic()
    assert client.ok(script, timeout=30)["result"] == "parent"
    assert time.monotonic() - t0 < 15


def test_output_after_the_report_is_not_waited_for(client, no_leaks):
    # Output written after the report (by a process the script left behind)
    # is not part of the answer, and does not hold it up.
    script = ("import os, sys, time\n"
              "def main():\n"
              "    print('kept', flush=True)\n"
              "    if os.fork() == 0:\n"
              "        os.close(4)\n"
              "        time.sleep(0.5)\n"
              "        for _ in range(100000):\n"
              "            sys.stdout.write('late ' * 20 + '\\n')\n"
              "        os._exit(0)\n"
              "    return 1\n")
    body = client.ok(script, timeout=30)
    assert body["result"] == 1 and body["stdout"] == "kept\n", body["stdout"][:200]
