# attack: while another execution listens on "\0pyexec-x", connect to it
#    (stream and seqpacket), ten times over 2.5 s
# pair: abstract connector
# start: +0.5
# expect-result: set(result["tries"]) == {"ECONNREFUSED"}
# expect-pair: any(results["listener"]["at"] < t < results["listener"]["until"] for t in result["times"])
# timeout: 6

import errno
import socket
import time


def main():
    tries, times = [], []
    for _ in range(10):
        times.append(time.time())
        for kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET):
            s = socket.socket(socket.AF_UNIX, kind)
            try:
                s.connect("\0pyexec-x")
                tries.append("CONNECTED")
            except OSError as e:
                tries.append(errno.errorcode.get(e.errno, str(e)))
            finally:
                s.close()
        time.sleep(0.25)
    return {"times": times, "tries": tries}
