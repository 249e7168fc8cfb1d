# attack: start threads until that fails; every thread stays alive
# why: threads count against pids.max too (64 per execution)
# expect-result: result["failed"] and 0 < result["threads"] < 64
# timeout: 5

import threading


def main():
    stop = threading.Event()
    threads = 0
    failed = None
    for _ in range(1000):
        try:
            threading.Thread(target=stop.wait, daemon=True).start()
        except RuntimeError as e:
            failed = str(e)
            break
        threads += 1
    stop.set()
    return {"threads": threads, "failed": failed}
