# attack: write 100 MB to stderr with raw os.write
# expect-error: output_limit
# expect-body: body["stderr_truncated"] is True and 0 < len(body["stderr"]) <= (1 << 20) + 256
# timeout: 6

import os


def main():
    chunk = b"e" * (1 << 20)
    for _ in range(100):
        os.write(2, chunk)
    return "written"
