# attack: listen on the abstract unix name "\0pyexec-x" and wait for another
#    execution to connect (a covert channel between two users' scripts)
# why: abstract names are per network namespace: only its own connection
#    (the control) arrives
# pair: abstract listener
# expect-result: result["control"] == "OK" and result["foreign"] == 0
# timeout: 7

import socket
import time


def main():
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind("\0pyexec-x")
    srv.listen(8)
    cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cli.connect("\0pyexec-x")
    conn, _ = srv.accept()
    cli.sendall(b"ping")
    control = "OK" if conn.recv(4) == b"ping" else "broken"
    conn.close()
    cli.close()
    at = time.time()
    foreign = 0
    srv.settimeout(0.1)
    while time.time() < at + 3.0:
        try:
            srv.accept()[0].close()
            foreign += 1
        except socket.timeout:
            pass
    return {"at": at, "until": time.time(), "control": control, "foreign": foreign}
