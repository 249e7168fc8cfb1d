# attack: plant files in /tmp and /dev/shm and stay running while another
#    execution looks for them
# pair: tmp-live writer
# expect-result: result["mine"] == ["pyexec-attack-live"]
# timeout: 7

import os
import time


def main():
    for d in ("/tmp", "/dev/shm"):
        with open(d + "/pyexec-attack-live", "w") as f:
            f.write("secret of a concurrent execution")
    at = time.time()
    time.sleep(3.0)
    return {"at": at, "until": time.time(), "mine": sorted(os.listdir("/tmp"))}
