# attack: read the host's network state through /proc/net: interfaces,
#    routes, TCP/UDP sockets (the daemon's listening port), unix sockets, ARP
# why: /proc/net shows the jail's own empty namespace: only lo, no sockets
# expect-result: result["interfaces"] == ["lo"]
# expect-result: result["sockets"] == {"tcp": 0, "tcp6": 0, "udp": 0, "udp6": 0, "raw": 0, "unix": 0}
# expect-result: result["daemon_port_seen"] is False and result["routes"] == 0 and result["arp"] == 0
# timeout: 3

PORT_HEX = ":%04X" % int("{{PORT}}")  # the daemon's port, templated by the test


def rows(path):
    try:
        return open(path).read().splitlines()[1:]
    except OSError:
        return []


def main():
    interfaces = sorted(line.split(":")[0].strip() for line in rows("/proc/net/dev")[1:])
    sockets, seen = {}, False
    for kind in ("tcp", "tcp6", "udp", "udp6", "raw", "unix"):
        lines = rows("/proc/net/" + kind)
        sockets[kind] = len(lines)
        seen = seen or any(PORT_HEX in line for line in lines)
    return {"interfaces": interfaces, "sockets": sockets, "daemon_port_seen": seen,
            "routes": len(rows("/proc/net/route")), "arp": len(rows("/proc/net/arp"))}
