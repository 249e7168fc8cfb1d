# attack: poison the interpreter for the next execution: builtins, a patched
#    json.dumps, os.environ, sys.path, a fake module in /tmp, the random
#    seed, signal handlers (matters for a warm zygote that forks executions)
# pair: state-seq writer
# expect-result: result == "poisoned"
# timeout: 3

import builtins
import json
import os
import random
import signal
import sys


def main():
    builtins.pyexec_attack = "poisoned"
    json.dumps = lambda *a, **k: '"poisoned"'
    os.environ["PYEXEC_ATTACK"] = "poisoned"
    os.makedirs("/tmp/evil")
    with open("/tmp/evil/json.py", "w") as f:
        f.write("poisoned = True\n")
    sys.path.insert(0, "/tmp/evil")
    random.seed(42)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return "poisoned"
