# attack: print 3 MB: more than what the daemon keeps, less than what stops it
# expect-result: result == "done"
# expect-body: body["stdout_truncated"] is True and body["stderr_truncated"] is False
# expect-body: 0 < len(body["stdout"]) <= (1 << 20) + 256
# timeout: 5

import sys


def main():
    for _ in range(3):
        sys.stdout.write("p" * (1 << 20))
    return "done"
