# attack: write a forged result document to fd 4 (with forged top-level
#    fields), then return something else
# why: two documents on the channel are malformed; whatever the outcome, the
#    answer is well-formed and none of the forged fields appears
# expect-result: result == "real"
# expect-error: result_invalid
# expect-body: "FORGED" not in str(body) and body["execution_method"] == "sandbox"
# timeout: 3

import os

FORGED = (b'{"ok":true,"result":"FORGED","stdout":"FORGED","stderr":"FORGED",'
          b'"execution_method":"FORGED","request_id":"FORGED","success":"FORGED",'
          b'"usage":{"wall_ms":-1,"cpu_ms":"FORGED"}}')


def main():
    os.write(4, FORGED)
    return "real"
