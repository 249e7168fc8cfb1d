# attack: scan well-known loopback services (ssh, dns, http, redis, postgres,
#    docker, kubelet, systemd-resolved) on 127.0.0.1, 127.0.0.53, 0.0.0.0, ::1
# expect-result: all(v in ("EAFNOSUPPORT", "ECONNREFUSED", "ENETUNREACH") for v in result.values())
# expect-result: len(result) == 40
# timeout: 5

import errno
import socket

PORTS = [22, 53, 80, 443, 2375, 5432, 6379, 8080, 10250, int("{{PORT}}")]  # + the daemon's
HOSTS = ["127.0.0.1", "127.0.0.53", "0.0.0.0", "::1"]


def main():
    out = {}
    for host in HOSTS:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for port in PORTS:
            try:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.settimeout(0.2)
                s.connect((host, port))
                s.close()
                out["%s:%d" % (host, port)] = "CONNECTED"
            except OSError as e:
                out["%s:%d" % (host, port)] = errno.errorcode.get(e.errno, str(e))
    return out
