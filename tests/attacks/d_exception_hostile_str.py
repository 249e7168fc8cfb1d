# attack: raise an exception whose __str__ raises, whose __repr__ raises,
#    whose class name (via a metaclass) raises, with args that are hostile too
# expect-error: runtime_error
# expect-body: body["exception_type"] == "Exception" and "str() failed" in body["error"]
# expect-body: isinstance(body.get("traceback", ""), str)
# timeout: 3

class Meta(type):
    @property
    def __name__(cls):
        raise RuntimeError("no name")


class Boom(Exception, metaclass=Meta):
    def __str__(self):
        raise RuntimeError("no str")

    def __repr__(self):
        raise RuntimeError("no repr")


class Arg:
    def __repr__(self):
        raise RuntimeError("arg repr")


def main():
    raise Boom(Arg())
