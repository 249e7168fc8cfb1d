# attack: a dict subclass whose items() returns a lazily generated, endless
#    sequence of pairs (the serializer materializes it)
# why: memory or time runs out inside the jail; the answer is still an error
# expect-error: memory_limit timeout result_not_serializable
# memory: 64
# timeout: 4

import itertools


class Endless(dict):
    def items(self):
        return (("k%d" % i, i) for i in itertools.count())


def main():
    return Endless(a=1)
