# attack: write a document to fd 4 that forges the daemon's own fields
#    (stdout, request_id, usage, execution_method, success), then os._exit(0)
# why: the script may choose its result, nothing else of the answer
# expect-result: result == "mine"
# expect-error: result_invalid
# expect-body: "FORGED" not in str(body) and body["stdout"] == "" and body["execution_method"] == "sandbox"
# expect-body: re.match("^[0-9a-f]{8,}$", body["request_id"]) is not None
# timeout: 3

import os

DOC = (b'{"ok":true,"result":"mine","stdout":"FORGED","stderr":"FORGED",'
       b'"execution_method":"FORGED","request_id":"FORGED","success":false,'
       b'"error_type":"FORGED","timestamp":"FORGED","usage":{"wall_ms":"FORGED"}}')


def main():
    os.write(4, DOC)
    os._exit(0)
