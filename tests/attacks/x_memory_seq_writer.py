# attack: leave a secret in the daemon's memory for the next execution: in the script's
#    text, and 100-200 KB of it in each of stdout, stderr and the result
# pair: memory-seq writer
# expect-result: result["kept"] == 2000
# expect-body: len(body["stdout"]) > 50000 and len(body["stderr"]) > 50000
# timeout: 5

import sys

SECRET = "x-previous-execution-secret-{{CANARY}}"


def main():
    line = SECRET + "\n"
    sys.stdout.write(line * 2000)
    sys.stderr.write(line * 2000)
    return {"kept": 2000, "copies": [SECRET] * 2000}
