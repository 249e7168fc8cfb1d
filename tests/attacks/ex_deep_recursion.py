# attack: sys.setrecursionlimit(10**6) then recurse without end
# why: whether the C stack overflows or the frames eat the memory, the run
#    ends with an error, never takes the daemon down
# expect-error: memory_limit killed runtime_error
# memory: 64
# timeout: 5

import sys


def main():
    sys.setrecursionlimit(10 ** 6)

    def down(n):
        return down(n + 1) + 1

    return down(0)
