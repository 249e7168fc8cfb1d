# attack: return a list nested 200000 deep, and (second case) a cycle
# why: the serializer refuses both; recursion never crashes the runner
# expect-error: result_not_serializable
# timeout: 4

def main():
    deep = []
    for _ in range(200000):
        deep = [deep]
    return deep
