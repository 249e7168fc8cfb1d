# attack: return a dict subclass whose items() raises an exception whose own
#    __str__ is hostile, with keys()/__iter__/__len__/__getitem__ lying
# why: the serializer calls items() of dict subclasses; whatever it raises
#    becomes result_not_serializable
# expect-error: result_not_serializable
# timeout: 3

class Nasty(Exception):
    def __str__(self):
        raise RuntimeError("no message either")


class Liar(dict):
    def items(self):
        raise Nasty()

    def keys(self):
        return ["forged"]

    def __iter__(self):
        return iter(["forged"])

    def __len__(self):
        return -1

    def __getitem__(self, key):
        raise Nasty()


def main():
    return Liar(real=1)
