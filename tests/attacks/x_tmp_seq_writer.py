# attack: leave files behind in /tmp and /dev/shm for the next execution: a
#    secret, a setuid-bit copy of a binary, a FIFO, a unix socket
# pair: tmp-seq writer
# expect-result: result["/tmp"] == ["pyexec-attack-fifo", "pyexec-attack-secret", "pyexec-attack-suid", "pyexec-attack.sock"]
# expect-result: result["/dev/shm"] == ["pyexec-attack-secret"] and result["suid_mode"] == "0o104755"
# timeout: 3

import os
import shutil
import socket


def main():
    for d in ("/tmp", "/dev/shm"):
        with open(d + "/pyexec-attack-secret", "w") as f:
            f.write("secret of the previous execution")
    shutil.copy("/usr/bin/env", "/tmp/pyexec-attack-suid")
    os.chmod("/tmp/pyexec-attack-suid", 0o4755)
    os.mkfifo("/tmp/pyexec-attack-fifo")
    socket.socket(socket.AF_UNIX).bind("/tmp/pyexec-attack.sock")
    return {"/tmp": sorted(os.listdir("/tmp")), "/dev/shm": sorted(os.listdir("/dev/shm")),
            "suid_mode": oct(os.stat("/tmp/pyexec-attack-suid").st_mode)}
