# attack: (the victim) wait while another execution signals every pid it can
# pair: signal-live victim
# expect-result: result["survived"] is True
# timeout: 7

import time


def main():
    at = time.time()
    time.sleep(3.0)
    return {"at": at, "until": time.time(), "survived": True}
