# attack: take every inotify instance it can get and hold them while another
#    execution needs one
# why: the per-user inotify limit (fs.inotify.max_user_instances) is counted
#    for the host uid, which every execution shares
# pair: inotify-live hog
# expect-result: result["held"] > 0
# timeout: 7

import ctypes
import errno
import time


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    held, stop = [], None
    for _ in range(250):
        fd = libc.inotify_init1(0)
        if fd < 0:
            stop = errno.errorcode.get(ctypes.get_errno(), "?")
            break
        held.append(fd)
    at = time.time()
    time.sleep(3.0)
    return {"at": at, "until": time.time(), "held": len(held), "stopped_by": stop}
