# attack: forge daemon log lines through everything a script controls that
#    may reach the log: stdout, stderr (raw and via print), the result
# why: the test then checks every new line of the daemon's log is one JSON
#    object and none is the forged one (a top-level "attack_marker")
# expect-result: result["note"].startswith("\n{")
# expect-body: '"attack_marker"' in body["stdout"] and '"attack_marker"' in body["stderr"]
# timeout: 3

import os
import sys

FAKE = ('\n{"ts":"2026-01-01T00:00:00.000Z","level":"error","role":"spawner",'
        '"event":"jail_escape","attack_marker":"pyexec-attack-inject"}\n')


def main():
    print(FAKE, end="")
    print(FAKE.replace("\n", "\r\n"), file=sys.stderr)
    os.write(1, FAKE.encode() + b"\x1b[2K\r" + FAKE.encode())
    os.write(2, b"\0" + FAKE.encode())
    return {"note": FAKE, FAKE: FAKE}
