# attack: read stdin for the daemon's request or another execution's input
# expect-result: result == {"stdin": "", "raw": "", "link": "/dev/null"}
# timeout: 3

import os
import sys


def main():
    return {"stdin": sys.stdin.read(), "raw": os.read(0, 4096).decode(),
            "link": os.readlink("/proc/self/fd/0")}
