# attack: return lone surrogates (which no UTF-8 document can carry) as keys
#    and values
# expect-result: isinstance(result, dict) and len(result) == 2
# expect-result: all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())
# timeout: 3

def main():
    return {"\ud800": "\udfff", "k": "a\ud83d\u00e9"}
