# attack: return an object whose every hook is hostile: __repr__/__str__
#    raise, __json__/to_json/__reduce__/tolist/isoformat lie, __getattr__ raises
# expect-error: result_not_serializable
# expect-body: "Hostile" in body["error"] and len(body["error"]) < 5000
# timeout: 3

class Hostile:
    def __repr__(self):
        raise RuntimeError("repr")

    def __str__(self):
        raise RuntimeError("str")

    def __format__(self, spec):
        raise RuntimeError("format")

    def __json__(self):
        return {"forged": True}

    def to_json(self):
        return '{"forged": true}'

    def tolist(self):
        return ["forged"]

    def isoformat(self):
        return "forged"

    def __reduce__(self):
        raise RuntimeError("reduce")

    def __getattr__(self, name):
        raise RuntimeError("getattr " + name)


def main():
    return {"ok": [1, 2, Hostile()]}
