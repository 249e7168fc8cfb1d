# attack: return a self-containing dict and list
# expect-error: result_not_serializable
# timeout: 3

def main():
    d = {"list": []}
    d["list"].append(d)
    d["self"] = d
    return d
