# attack: print 100 MB to stdout
# why: the daemon stops the run past --output-kill-bytes (16 MiB) and keeps
#    only --max-output-bytes (1 MiB), flagged as truncated
# expect-error: output_limit
# expect-body: body["stdout_truncated"] is True and 0 < len(body["stdout"]) <= (1 << 20) + 256
# timeout: 6

import sys


def main():
    line = "o" * 1023 + "\n"
    chunk = line * 1024
    for _ in range(100):
        sys.stdout.write(chunk)
    return "printed"
