# attack: return a 9 MiB string (beyond --max-result-bytes, 8 MiB)
# expect-error: result_too_large
# memory: 128
# timeout: 5

def main():
    return "r" * (9 << 20)
