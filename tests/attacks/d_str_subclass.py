# attack: return a str subclass whose __str__, __repr__, encode, __len__,
#    __iter__, __eq__ and __hash__ are hostile, as key and as value
# why: the serializer takes the string's real contents, never its methods
# expect-result: result == {"key": "real"}
# timeout: 3

class Evil(str):
    def __str__(self):
        raise RuntimeError("str")

    def __repr__(self):
        raise RuntimeError("repr")

    def encode(self, *args, **kwargs):
        raise RuntimeError("encode")

    def __len__(self):
        return -1

    def __iter__(self):
        raise RuntimeError("iter")

    def __eq__(self, other):
        raise RuntimeError("eq")

    def __hash__(self):
        return 1


def main():
    return {Evil("key"): Evil("real")}
