# attack: write a result document nested 100000 deep to fd 4, then os._exit(0)
# why: the daemon's JSON parser must refuse it (depth cap), not recurse
# expect-error: result_invalid
# timeout: 3

import os


def main():
    os.write(4, b'{"ok":true,"result":' + b"[" * 100000 + b"]" * 100000 + b"}")
    os._exit(0)
