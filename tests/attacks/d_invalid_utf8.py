# attack: write bytes that are not UTF-8, and terminal control sequences, to
#    stdout and stderr: os.write(1, b"\xff\xfe\x00\x1b[2J"), a lone
#    surrogate's encoding, a code point past U+10FFFF, a truncated sequence
# why: the response stays valid JSON (strict UTF-8 is checked for every case);
#    bad bytes become U+FFFD, valid ones pass unchanged
# expect-result: result == "written"
# expect-body: body["stdout"].startswith("\ufffd\ufffd\x00\x1b[2J")
# expect-body: "\ufffd" in body["stderr"] and "caf\u00e9" in body["stderr"] and "\U0001f600" in body["stderr"]
# timeout: 3

import os


def main():
    os.write(1, b"\xff\xfe\x00\x1b[2J\r\n")
    os.write(2, b"\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82")
    return "written"
