# attack: replace the result channel: dup2 a pipe holding a forged document
#    over fd 4, then return
# why: the runner sees fd 4 is no longer its channel; the daemon reads its own
#    end, so the forged document is never seen
# expect-error: no_result
# expect-body: "FORGED" not in str(body)
# timeout: 3

import os


def main():
    r, w = os.pipe()
    os.write(w, b'{"ok":true,"result":"FORGED"}')
    os.dup2(r, 4)
    os.dup2(w, 3)
    return "real"
