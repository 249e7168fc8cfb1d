# attack: write non-UTF-8 bytes, NULs and non-JSON to the result channel,
#    then os._exit(0)
# expect-error: result_invalid
# timeout: 3

import os


def main():
    os.write(4, b"\xff\xfe\x00{\"ok\":tru\x00e}\x1b[2J" * 100)
    os._exit(0)
