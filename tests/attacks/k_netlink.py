# attack: netlink sockets: route (interfaces, routes), sock_diag (every
#    socket), audit, uevents, netfilter, xfrm, generic
# expect-result: all(v == "EAFNOSUPPORT" for v in result.values())
# expect-result: len(result) == 7
# timeout: 3

import errno
import socket

PROTOCOLS = {"route": 0, "sock_diag": 4, "xfrm": 6, "audit": 9, "netfilter": 12,
             "kobject_uevent": 15, "generic": 16}


def main():
    out = {}
    for name, proto in PROTOCOLS.items():
        try:
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
            s.close()
            out[name] = "CREATED"
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno, str(e.errno))
    return out
