# attack: make the 1 MiB output cap cut through a 4-byte UTF-8 character
#    (and an escape sequence), on both streams
# why: the kept prefix must still be valid UTF-8 (the strict check) and flagged
# expect-result: result == "written"
# expect-body: body["stdout_truncated"] is True and body["stderr_truncated"] is True
# timeout: 4

import os


def main():
    for fd in (1, 2):
        for pad in range(1, 4):
            os.write(fd, b"a" * ((1 << 20) - pad - 4 * (fd == 2)))
            os.write(fd, "\U0001f600".encode() * 4 + b"\x1b[0m")
    return "written"
