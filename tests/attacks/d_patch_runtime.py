# attack: sabotage the runner's reporting by monkeypatching what it might
#    use: os.write/_exit/close/fstat, builtins (str, isinstance, print,
#    len), json.dumps, sys.stdout/stderr with objects whose methods raise
# why: the runner keeps its own references: the report is still accurate
# expect-result: result == {"a": [1, 2.5, None, "\u00e9"]}
# timeout: 3

import builtins
import json
import os
import sys


class Broken:
    def __getattr__(self, name):
        raise RuntimeError("broken stream")


def sabotage(*args, **kwargs):
    raise RuntimeError("sabotaged")


def main():
    for name in ("write", "_exit", "close", "fstat", "pread", "getpid"):
        setattr(os, name, sabotage)
    json.dumps = json.loads = sabotage
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = Broken()
    sys.modules["json"] = None
    value = {"a": [1, 2.5, None, "\u00e9"]}
    for name in ("str", "isinstance", "print", "len", "repr", "type", "getattr"):
        setattr(builtins, name, sabotage)
    return value
