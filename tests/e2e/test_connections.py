"""The HTTP front's defences below the API: the connection guard
(src/http/connguard.c), so that clients holding connections without
finishing a request (slowloris) neither lock other clients out nor keep their
connections past --client-timeout, while slow but honest uploads and long
executions are left alone; and refusal of requests whose framing is ambiguous."""

import json
import resource
import socket
import threading
import time

import pytest

import e2e_util as u
import openapi_check as oc

HELLO = "def main():\n    return 'hello'\n"
PARTIAL = b"POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def _open_slow(port, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(PARTIAL)
        socks.append(s)
    return socks


def _trickle(socks, stop, period=0.3):
    """One header byte per socket every period: libmicrohttpd's idle timer never fires."""
    while not stop.wait(period):
        for s in socks:
            try:
                s.sendall(b"X")
            except OSError:
                pass


def _closed(s, wait):
    """True once the server closed s (end of file or reset) within wait seconds."""
    s.settimeout(wait)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def _close_all(socks):
    for s in socks:
        s.close()


def test_slow_clients_do_not_lock_out_others(start_daemon):
    d = start_daemon(["--max-connections", "8", "--client-timeout", "60"])
    stop = threading.Event()
    slow = _open_slow(d.port, 24)
    t = threading.Thread(target=_trickle, args=(slow, stop), daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        # Every slow connection beyond the limit made room by closing an older one.
        open_now = [s for s in slow if not _closed(s, 0.05)]
        assert len(open_now) <= 8, "%d slow connections still open with --max-connections 8" % len(open_now)
        for _ in range(3):
            r = d.client.execute(HELLO, http_timeout=10)
            assert r.status_code == 200 and r.json()["result"] == "hello", r.text
        assert d.client.get("/health", timeout=10).status_code == 200
    finally:
        stop.set()
        t.join(5)
        _close_all(slow)


def test_trickled_request_closed_at_the_client_timeout(start_daemon):
    d = start_daemon(["--client-timeout", "2"])
    stop = threading.Event()
    slow = _open_slow(d.port, 2)
    t = threading.Thread(target=_trickle, args=(slow, stop), daemon=True)
    t.start()
    try:
        # Bytes keep coming, so only a deadline that they do not extend closes these.
        t0 = time.monotonic()
        assert all(_closed(s, 10) for s in slow), "a trickling client outlived --client-timeout 2"
        assert time.monotonic() - t0 >= 1.0, "closed before its deadline"
    finally:
        stop.set()
        t.join(5)
        _close_all(slow)
    assert d.client.execute(HELLO).status_code == 200


def test_slow_honest_upload_and_long_execution_survive(start_daemon):
    d = start_daemon(["--client-timeout", "2"])
    # An upload in pieces over ~1 s: inside the deadline.
    body = b'{"script": "def main():\\n    return 41 + 1\\n"}'
    s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    try:
        s.sendall(PARTIAL + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        for i in range(0, len(body), 8):
            s.sendall(body[i:i + 8])
            time.sleep(0.15)
        data = u.read_until_closed(s, 10)
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 200") and b'"result":42' in data.replace(b" ", b""), data[:300]
    # An execution longer than the client timeout is not cut off: its connection has no deadline.
    r = d.client.execute("import time\ndef main():\n    time.sleep(3.5)\n    return 'slept'\n",
                         timeout=10)
    assert r.status_code == 200 and r.json()["result"] == "slept", r.text


def _raw(port, head, body=b"", wait=5.0):
    """Sends head + body on a fresh connection; every byte the server sends before closing."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(head + body)
        return u.read_until_closed(s, wait)
    except OSError:
        return b""
    finally:
        s.close()


# A Content-Length that is not a number libmicrohttpd refuses itself, before
# any callback of ours, with its own short HTML 400 (README, known limits):
# only the status and the closed connection are checked for those.
MALFORMED_LENGTH = [b"Content-Length: -17\r\n", b"Content-Length: +17\r\n",
                    b"Content-Length: 17, 17\r\n", b"Content-Length: 1e1\r\n"]

AMBIGUOUS = [
    (b"Content-Length: 17\r\nContent-Length: 17\r\n", "more than one Content-Length"),
    (b"Content-Length: 17\r\nContent-length: 40\r\n", "more than one Content-Length"),
    (b"Content-Length: 17\r\nTransfer-Encoding: chunked\r\n", "both Content-Length and Transfer-Encoding"),
    (b"Transfer-Encoding: gzip\r\nContent-Length: 17\r\n", "both Content-Length and Transfer-Encoding"),
    (b"Transfer-Encoding: gzip\r\n", "only transfer coding accepted is chunked"),
    (b"Transfer-Encoding: gzip, chunked\r\n", "only transfer coding accepted is chunked"),
]


def test_ambiguous_framing_refused(client):
    """Requests two parsers could frame differently (smuggling through a proxy):
    a JSON 400 at once, and the connection closed, never a guess or a hang."""
    body = b'{"script": "def main():\\n    return 1\\n"}'
    for headers, why in AMBIGUOUS:
        t0 = time.monotonic()
        data = _raw(client.port, b"POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + headers + b"\r\n", body[:17])
        assert time.monotonic() - t0 < 4.0, "no answer, connection left open: %r" % headers
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), (headers, data[:300])
        assert head.count(b"HTTP/1.1") == 1 and b"invalid_request" in rest and why.encode() in rest, \
            (headers, data[:400])
    for headers in MALFORMED_LENGTH:
        data = _raw(client.port, b"POST /execute HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n", body[:17])
        assert data.startswith(b"HTTP/1.1 400"), (headers, data[:300])
    # A plain chunked upload and a plain Content-Length still work on the same daemon.
    r = client.execute("def main():\n    return 2\n")
    assert r.status_code == 200 and r.json()["result"] == 2


@pytest.mark.skipif(u.under_valgrind(), reason="valgrind keeps RLIMIT_NOFILE for itself and "
                    "refuses to raise it (src/jail/rlimit.c)")
def test_open_file_limit_fits_max_connections(start_daemon):
    """The front raises its soft RLIMIT_NOFILE to hold every connection it may accept."""
    want = 3000 + 64 + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < want:
        pytest.skip("the hard open-file limit, %d, is below %d here" % (hard, want))
    # The daemon inherits a soft limit of 1024, as from a default shell.
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        d = start_daemon(["--max-connections", "3000"])
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    front = d.client.get("/health").json()["processes"]["front"]["pid"]
    with open("/proc/%d/limits" % front) as f:
        line = next(l for l in f if l.startswith("Max open files"))
    assert int(line.split()[3]) >= want, line


LONG = "import time\ndef main():\n    time.sleep(60)\n    return 'slept'\n"


def _long_request(port):
    body = json.dumps({"script": LONG, "timeout": 120}).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    return s


def _until(pred, limit, what):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("not within %.0f s: %s" % (limit, what))


def test_abandoned_execution_is_stopped(start_daemon):
    """A client that hangs up while its script runs frees the slot at once, not
    at the script's timeout (libmicrohttpd does not watch a suspended
    connection; the front's guard does)."""
    d = start_daemon(["--slots", "1", "--queue", "4"])
    c = d.client
    s = _long_request(d.port)
    try:
        _until(lambda: c.health()["slots"]["busy"] == 1, 10, "the long script running")
    finally:
        s.close()
    t0 = time.monotonic()
    _until(lambda: c.health()["slots"]["busy"] == 0, 10, "the slot freed after the hang-up")
    assert time.monotonic() - t0 < 5.0
    r = c.execute("def main():\n    return 'next'\n", http_timeout=10)
    assert r.status_code == 200 and r.json()["result"] == "next", r.text
    _until(lambda: not d.jails(), 10, "the abandoned jail gone")
    metrics = c.get("/metrics").text
    assert 'pyexec_executions_total{outcome="client_gone"} 1' in metrics, \
        [l for l in metrics.splitlines() if "executions_total" in l]


def test_half_closed_client_gets_client_gone(client):
    """Shutting down the sending side looks like a hang-up from the server: the
    execution is stopped, and a client that still reads gets a JSON 499."""
    s = _long_request(client.port)
    try:
        s.shutdown(socket.SHUT_WR)
        t0 = time.monotonic()
        data = u.read_until_closed(s, 20)
    finally:
        s.close()
    assert time.monotonic() - t0 < 10.0, "answered only after %.1f s" % (time.monotonic() - t0)
    parsed = oc.check_raw("POST", "/execute", data, "raw POST /execute, half-closed")
    assert parsed and parsed[0] == 499, data[:400]
    body = json.loads(parsed[2])
    assert body["error_type"] == "client_gone" and body["success"] is False, body
