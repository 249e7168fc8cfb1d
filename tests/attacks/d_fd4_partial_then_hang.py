# attack: write half a result document to fd 4 and hang
# why: the timeout still applies; a half document is no result
# expect-error: timeout
# timeout: 2

import os
import time


def main():
    os.write(4, b'{"ok":true,"result":"hal')
    time.sleep(60)
