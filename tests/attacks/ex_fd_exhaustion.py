# attack: open /dev/null until the descriptor table is full
# why: RLIMIT_NOFILE is 256: EMFILE before that many
# expect-result: result["errno"] == "EMFILE" and result["opened"] <= 256
# timeout: 5

import errno
import os


def main():
    opened = []
    try:
        for _ in range(100000):
            opened.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as e:
        return {"opened": len(opened), "errno": errno.errorcode.get(e.errno)}
    return {"opened": len(opened), "errno": None}
