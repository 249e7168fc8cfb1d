# attack: close the result channel (fd 4) and then return normally
# why: the runner cannot report; the daemon answers no_result, well-formed
# expect-error: no_result
# timeout: 3

import os


def main():
    os.close(4)
    return "unreported"
