# attack: raise an exception whose __cause__ and __context__ chain loops back
#    to itself, and whose __str__ returns a non-string
# why: traceback formatting must terminate; the answer is a runtime_error
# expect-error: runtime_error
# timeout: 3

class NotStr(Exception):
    def __str__(self):
        return 42


def main():
    a, b = NotStr("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    a.__context__, b.__context__ = b, a
    raise a
