# attack: look for what earlier executions or the host left: /tmp, /dev/shm,
#    /var/tmp, /home, /root at start
# why: every execution gets fresh, empty writable places
# expect-result: result == {"/tmp": [], "/dev/shm": [], "/var/tmp": [], "/home": [], "/root": []}
# timeout: 3

import os


def main():
    out = {}
    for d in ("/tmp", "/dev/shm", "/var/tmp", "/home", "/root"):
        try:
            out[d] = sorted(os.listdir(d))
        except OSError as e:
            out[d] = str(e)
    return out
