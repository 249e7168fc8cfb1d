# attack: look for inherited descriptors (a daemon socket, the spawner's
#    IPC, another execution's pipes) and write to every fd from 5 to 255
# why: only 0 (/dev/null), 1, 2 (pipes) and 4 (result) are open, plus the fd
#    the listing itself uses (3, the script's, is closed by then)
# expect-result: result["fds"] == ["0", "1", "2", "3", "4"]
# expect-result: result["links"]["0"] == "/dev/null" and result["links"]["1"].startswith("pipe:")
# expect-result: result["links"]["2"].startswith("pipe:") and result["links"]["4"].startswith(("pipe:", "/memfd:"))
# expect-result: result["writes"] == {"EBADF": 251}
# timeout: 3

import errno
import os


def main():
    fds = sorted(os.listdir("/proc/self/fd"), key=int)
    links = {}
    for fd in ("0", "1", "2", "4"):
        links[fd] = os.readlink("/proc/self/fd/" + fd)
    writes = {}
    for fd in range(5, 256):
        try:
            os.write(fd, b"x")
            key = "WROTE"
        except OSError as e:
            key = errno.errorcode.get(e.errno, "?")
        writes[key] = writes.get(key, 0) + 1
    return {"fds": fds, "links": links, "writes": writes}
