# attack: return 2 MB of control characters, which JSON escapes six-fold (12 MB)
# why: the cap applies to the serialized document, not to len(result)
# expect-error: result_too_large
# memory: 256
# timeout: 6

def main():
    return "\x01" * (2 << 20)
