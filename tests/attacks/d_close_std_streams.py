# attack: close stdin, stdout and stderr, reopen files in their place (so fd 1
#    and 2 are now files of the jail) and keep printing
# why: the daemon keeps its own ends of the pipes: it answers with what came
#    before, and the result still arrives on fd 4
# expect-result: result["fds"] == {"0": "/tmp/f0", "1": "/tmp/f1", "2": "/tmp/f2"}
# expect-body: body["stdout"] == "before\n" and body["stderr"] == "before\n"
# timeout: 3

import os
import sys


def main():
    print("before", flush=True)
    print("before", file=sys.stderr, flush=True)
    for fd in (0, 1, 2):
        os.close(fd)
    for fd in (0, 1, 2):
        assert os.open("/tmp/f%d" % fd, os.O_CREAT | os.O_RDWR, 0o600) == fd
    print("after")
    print("after", file=sys.stderr)
    return {"fds": {str(fd): os.readlink("/proc/self/fd/%d" % fd) for fd in (0, 1, 2)}}
