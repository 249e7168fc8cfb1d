# attack: write 2 MiB of bytes that are not UTF-8 (0xff) to each stream
# why: the daemon keeps 1 MiB of each, every byte becoming U+FFFD (the answer
#    grows to 6 MB of escapes, but stays bounded and valid)
# expect-result: result == "written"
# expect-body: body["stdout_truncated"] is True and set(body["stdout"]) == {"\ufffd"}
# expect-body: body["stderr_truncated"] is True and set(body["stderr"]) == {"\ufffd"}
# timeout: 5

import os


def main():
    for fd in (1, 2):
        for _ in range(2):
            os.write(fd, b"\xff" * (1 << 20))
    return "written"
