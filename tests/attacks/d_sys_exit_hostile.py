# attack: sys.exit() with an object whose __repr__ raises
# expect-error: system_exit
# timeout: 3

import sys


class Code:
    def __repr__(self):
        raise RuntimeError("no repr")


def main():
    sys.exit(Code())
