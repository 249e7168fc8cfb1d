# attack: connect to host unix sockets by path: docker, containerd, dbus,
#    systemd, journald (/dev/log), X11, the nscd cache
# why: none of those paths exist in the jail; a unix socket of its own in /tmp
#    works (the control)
# expect-result: all(v == "ENOENT" for v in result["host"].values())
# expect-result: result["own"] == "OK"
# timeout: 3

import errno
import socket

PATHS = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
         "/run/dbus/system_bus_socket", "/run/systemd/private", "/run/systemd/journal/socket",
         "/dev/log", "/tmp/.X11-unix/X0", "/var/run/nscd/socket", "/run/user/0/bus"]


def main():
    host = {}
    for path in PATHS:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            host[path] = "CONNECTED"
        except OSError as e:
            host[path] = errno.errorcode.get(e.errno, str(e))
        finally:
            s.close()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind("/tmp/own.sock")
    srv.listen(1)
    cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cli.connect("/tmp/own.sock")
    conn, _ = srv.accept()
    cli.sendall(b"ping")
    own = "OK" if conn.recv(4) == b"ping" else "broken"
    for s in (conn, cli, srv):
        s.close()
    return {"host": host, "own": own}
