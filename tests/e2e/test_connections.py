"""The front's connection guard (src/http/connguard.c): clients that hold
connections without finishing a request (slowloris) neither lock other
clients out nor keep their connections past --client-timeout, while slow
but honest uploads and long executions are left alone."""

import socket
import threading
import time

import e2e_util as u

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
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 200") and b'"result":42' in data.replace(b" ", b""), data[:300]
    # An execution longer than the client timeout is not cut off: its connection has no deadline.
    r = d.client.execute("import time\ndef main():\n    time.sleep(3.5)\n    return 'slept'\n",
                         timeout=10)
    assert r.status_code == 200 and r.json()["result"] == "slept", r.text
