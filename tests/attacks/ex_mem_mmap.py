# attack: mmap 2 GiB of anonymous memory and touch every page
# expect-error: memory_limit
# memory: 64
# timeout: 5

import mmap


def main():
    size = 2 << 30
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for off in range(0, size, mmap.PAGESIZE):
        m[off] = 1
    return size
