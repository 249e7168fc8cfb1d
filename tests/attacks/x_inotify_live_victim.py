# attack: (the victim) create inotify instances while another execution hogs them
# why: one execution must not be able to deny a kernel resource to another
#    running at the same time
# pair: inotify-live victim
# start: +0.5
# expect-result: result["got"] == result["tries"]
# expect-pair: any(results["hog"]["at"] < t < results["hog"]["until"] for t in result["times"])
# timeout: 6

import ctypes
import errno
import os
import time


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    got, errors, times = 0, set(), []
    for _ in range(10):
        times.append(time.time())
        fd = libc.inotify_init1(0)
        if fd >= 0:
            got += 1
            os.close(fd)
        else:
            errors.add(errno.errorcode.get(ctypes.get_errno(), "?"))
        time.sleep(0.25)
    return {"times": times, "tries": len(times), "got": got, "errors": sorted(errors)}
