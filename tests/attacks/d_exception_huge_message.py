# attack: raise an exception with a 20 MB message and a deep traceback
# why: the error and traceback are capped, the answer stays small
# expect-error: runtime_error
# expect-body: len(body["error"]) <= 5000 and len(body.get("traceback", "")) <= 70000
# memory: 256
# timeout: 5

def main():
    def down(n):
        if n == 0:
            raise ValueError("m" * (20 << 20))
        return down(n - 1)
    return down(900)
