# attack: raw and packet sockets: AF_PACKET (raw and dgram), AF_INET raw
#    (ICMP, TCP), the unprivileged ICMP "ping" socket, AF_INET6 raw, and plain
#    TCP/UDP over v4 and v6
# why: seccomp lets only AF_UNIX sockets be created: EAFNOSUPPORT for the rest
# expect-result: all(v == "EAFNOSUPPORT" for v in result.values())
# expect-result: len(result) == 9
# timeout: 3

import errno
import socket

ETH_P_ALL = 0x0003
KINDS = {
    "packet raw": (socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)),
    "packet dgram": (socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL)),
    "inet raw icmp": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "inet raw tcp": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP),
    "inet ping": (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP),
    "inet6 raw": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
    "inet tcp": (socket.AF_INET, socket.SOCK_STREAM, 0),
    "inet udp": (socket.AF_INET, socket.SOCK_DGRAM, 0),
    "inet6 tcp": (socket.AF_INET6, socket.SOCK_STREAM, 0),
}


def main():
    out = {}
    for name, args in KINDS.items():
        try:
            socket.socket(*args).close()
            out[name] = "CREATED"
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno, str(e.errno))
    return out
