# attack: find the previous execution's poison: builtins, json, environ,
#    sys.path, random state, signal handlers
# pair: state-seq reader
# start: after writer
# expect-result: result["builtins"] is False and result["json"] == '{"a": 1}'
# expect-result: result["environ"] is False and result["path"] is False
# expect-result: result["random_is_seed_42"] is False and result["sigterm_default"] is True
# timeout: 3

import builtins
import json
import os
import random
import signal
import sys


def main():
    first_after_42 = random.Random(42).random()
    return {"builtins": hasattr(builtins, "pyexec_attack"), "json": json.dumps({"a": 1}),
            "environ": "PYEXEC_ATTACK" in os.environ, "path": "/tmp/evil" in sys.path,
            "random_is_seed_42": random.random() == first_after_42,
            "sigterm_default": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL}
