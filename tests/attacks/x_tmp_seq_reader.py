# attack: look for what the previous execution left in /tmp, /dev/shm, /var/tmp
# pair: tmp-seq reader
# start: after writer
# expect-result: result == {"/tmp": [], "/dev/shm": [], "/var/tmp": []}
# timeout: 3

import os


def main():
    return {d: sorted(os.listdir(d)) for d in ("/tmp", "/dev/shm", "/var/tmp")}
