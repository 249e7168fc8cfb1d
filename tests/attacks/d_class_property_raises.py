# attack: return an object whose __class__ property raises, and whose
#    metaclass makes __name__ raise too
# expect-error: result_not_serializable
# timeout: 3

class Meta(type):
    @property
    def __name__(cls):
        raise RuntimeError("no name")


class Shifty(metaclass=Meta):
    @property
    def __class__(self):
        raise RuntimeError("no class")


def main():
    return [Shifty()]
