# attack: allocate one 1 GiB block with a 64 MB limit
# expect-error: memory_limit
# memory: 64
# timeout: 5

def main():
    block = bytearray(1 << 30)
    return len(block)
