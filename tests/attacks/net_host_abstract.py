# attack: connect to a host abstract unix socket that the test listens on
#    (and a few well-known ones: X11, systemd, dbus), then bind the test's name
# why: abstract unix names belong to the network namespace: the host's are
#    out of reach (ECONNREFUSED) and the name is free for the jail to bind
# expect-result: all(v == "ECONNREFUSED" for v in result["connect"].values())
# expect-result: result["bind_same_name"] == "OK"
# timeout: 3

import errno
import socket

NAMES = ["{{ABSTRACT}}", "/tmp/.X11-unix/X0", "/org/freedesktop/systemd1/notify",
         "/run/dbus/system_bus_socket", "pyexec-x"]


def main():
    out = {}
    for name in NAMES:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect("\0" + name)
            out[name] = "CONNECTED"
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno, str(e))
        finally:
            s.close()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("\0{{ABSTRACT}}")
        bound = "OK"
    except OSError as e:
        bound = errno.errorcode.get(e.errno, str(e))
    s.close()
    return {"connect": out, "bind_same_name": bound}
