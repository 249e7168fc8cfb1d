# attack: sleep for a minute with a 2 s timeout
# expect-error: timeout
# expect-body: 1900 <= body["usage"]["wall_ms"] <= 6000
# timeout: 2

import time


def main():
    time.sleep(60)
    return "woke"
