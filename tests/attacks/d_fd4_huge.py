# attack: write 20 MB to the result channel by hand, then os._exit(0)
# expect-error: result_too_large result_invalid
# memory: 128
# timeout: 5

import os


def main():
    chunk = b'{"ok":true,"result":"' + b"x" * (1 << 20)
    for _ in range(20):
        os.write(4, chunk)
        chunk = b"x" * (1 << 20)
    os._exit(0)
