# attack: reach the daemon and the test's host listeners over loopback: TCP to
#    the daemon's port and to a host TCP listener, HTTP GET /health, UDP to a
#    host UDP socket, over 127.0.0.1, localhost and ::1
# why: an empty network namespace and no AF_INET/AF_INET6 sockets at all; the
#    host listeners record anything that reaches them (the test fails then)
# expect-result: all(v in ("EAFNOSUPPORT", "ECONNREFUSED", "ENETUNREACH") for v in result["tcp"].values())
# expect-result: all(v in ("EAFNOSUPPORT", "ENETUNREACH") for v in result["udp"].values())
# expect-result: result["http"].startswith("refused")
# timeout: 4

import errno
import socket
import urllib.request

# Templated by the test: the daemon's port, and a host TCP listener and UDP socket.
DAEMON, TCP, UDP = int("{{PORT}}"), int("{{TCP_PORT}}"), int("{{UDP_PORT}}")
TARGETS = [("127.0.0.1", DAEMON), ("localhost", DAEMON), ("127.0.0.1", TCP), ("::1", DAEMON)]


def name(e):
    return errno.errorcode.get(e.errno, str(e)) if e.errno else str(e)


def main():
    tcp, udp = {}, {}
    for host, port in TARGETS:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            tcp["%s:%d" % (host, port)] = "CONNECTED"
        except OSError as e:
            tcp["%s:%d" % (host, port)] = name(e)
    for host in ("127.0.0.1", "localhost"):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"pyexec-attack", (host, UDP))
            s.close()
            udp[host] = "SENT"
        except OSError as e:
            udp[host] = name(e)
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/health" % DAEMON, timeout=1).read()
        http = "ANSWERED"
    except OSError as e:
        http = "refused: %s" % e
    return {"tcp": tcp, "udp": udp, "http": http}
