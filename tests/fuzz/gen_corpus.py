#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (checked in; run
this again after changing a seed or the IPC layout in src/ipc/proto.h).

    python3 tests/fuzz/gen_corpus.py

Seeds are small, valid-or-nearly-valid inputs that reach each branch; the
fuzzers mutate from there.  libFuzzer's -max_len defaults to the largest
seed, so none is much bigger than the 4096-byte cap it exercises (a 64 KiB
traceback seed would slow fuzz_response tenfold for one more cap of the
same code).  Input layouts are described at the top of each
tests/fuzz/fuzz_*.c.
"""

import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# ---------------------------------------------------------------- requests
# The first three are the seed documents' own request bodies, verbatim.
HELLO = ('{\n    "script": "def main():\\n    print(\\"Hello from stdout!\\")\\n'
         '    return {\\"message\\": \\"Hello World\\"}"\n  }')
PANDAS = ('{"script": "import pandas as pd\\nimport numpy as np\\n\\ndef main():\\n'
          '    data = pd.DataFrame({\\"x\\": np.random.randn(10)})\\n'
          '    return {\\"mean\\": float(data[\\"x\\"].mean())}"}')
MISSING_MAIN = '{"script": "def calculate(): return 42"}'

REQUESTS = {
    "seed_hello.json": HELLO,
    "seed_pandas.json": PANDAS,
    "seed_missing_main.json": MISSING_MAIN,
    "limits.json": '{"script": "def main():\\n    return 1", "timeout": 5, "memory": 256}',
    "limits_real.json": '{"script": "x", "timeout": 0.0001, "memory": 16.5}',
    "limits_null.json": '{"script": "x", "timeout": null, "memory": null, "extra": [1, {}]}',
    "limits_max.json": '{"script": "x", "timeout": 300, "memory": 2048}',
    "limits_bad.json": '{"script": "x", "timeout": "5", "memory": true}',
    "limits_over.json": '{"script": "x", "timeout": 300.0001, "memory": 1e400}',
    "duplicate.json": '{"script": 1, "script": "def main(): pass", "timeout": 1, "timeout": 2}',
    "nul.json": '{"script": "def main():\\u0000 pass"}',
    "blank.json": '{"script": " \\t\\n\\u3000\\u2028\\u00a0\\u0085"}',
    "unicode.json": '{"script": "def main():\\n    return \\"\\u00e9\\ud83d\\ude00\\u4e2d\\""}',
    "lone_surrogate.json": '{"script": "\\ud800"}',
    "not_object.json": '["script", "x"]',
    "bare.json": '"def main(): pass"',
    "empty.json": "",
    "truncated.json": '{"script": "def main',
    "deep.json": '{"script": "x", "a": ' + "[" * 40 + "]" * 40 + "}",
    "long_script.json": json.dumps({"script": "def main():\n" + "    x = 1\n" * 9}),
    "raw_bytes.json": b'{"script": "\xff\xfe\xc0\x80"}',
}

# ---------------------------------------------------------------- ipc (proto.h layout)
MAGIC, VERSION = 0x70796578, 1


def header(mtype, mid=1):
    return struct.pack("<IHHQ", MAGIC, VERSION, mtype, mid)


def hello(cg_version=2, mode=0, py=b"3.11.2", path=b"/sys/fs/cgroup/pyexec"):
    return (header(1) + struct.pack("<8I", 0xFFF, cg_version, 7, mode, 1, 0, 100000, 0)
            + py.ljust(32, b"\0") + path.ljust(192, b"\0"))


def exec_msg(timeout_ms=30000, flags=0, memory=128 << 20, script_len=42):
    return header(2, 9) + struct.pack("<IIQQ", timeout_ms, flags, memory, script_len)


def result(outcome=0, exit_code=0, signal=0, stage=0, err=0, flags=0, lens=(40, 5, 0)):
    return (header(3, 9) + struct.pack("<IiiiiI", outcome, exit_code, signal, stage, err, flags)
            + struct.pack("<5Q", 10, 20, 30000, 25000, 50 << 20) + struct.pack("<3Q", *lens))


def stats():
    return header(5) + struct.pack("<IIQQQ", 1, 0, 100, 2, 0)


# Control byte: bit 0 has_fd, bit 1 via ipc_recv, bits 2..5 fds sent, bits 6..7 health.
NOFD, FD = 0x00, 0x01
RECV0, RECV1, RECV2 = 0x02, 0x02 | 0x04 | 0x01, 0x02 | 0x08
IPC = {
    "hello.bin": bytes([NOFD | 0x40]) + hello(),
    "hello_recv.bin": bytes([RECV0 | 0xC0]) + hello(cg_version=1, mode=1),
    "hello_bytes.bin": bytes([NOFD]) + hello(py=b"3.\xff\xc3", path=b"/a\xed\xa0\x80b"),
    "hello_unterminated.bin": bytes([NOFD]) + hello(py=b"x" * 32),
    "exec.bin": bytes([FD]) + exec_msg(),
    "exec_recv.bin": bytes([RECV1]) + exec_msg(timeout_ms=300000, memory=2048 << 20),
    "exec_no_fd.bin": bytes([NOFD]) + exec_msg(),
    "exec_bad.bin": bytes([FD]) + exec_msg(timeout_ms=0, flags=1),
    "result.bin": bytes([FD]) + result(),
    "result_recv.bin": bytes([RECV1]) + result(outcome=3, signal=9),
    "result_setup.bin": bytes([FD]) + result(outcome=6, stage=13, err=1),
    "result_internal.bin": bytes([FD]) + result(outcome=7, err=0x7FFFFFFF, flags=3),
    "result_bad.bin": bytes([FD]) + result(outcome=9, signal=65),
    "stats_req.bin": bytes([RECV0]) + header(4),
    "stats.bin": bytes([NOFD]) + stats(),
    "two_fds.bin": bytes([RECV2]) + header(4),
    "empty_recv.bin": bytes([RECV0]),
    "short.bin": bytes([NOFD]) + header(1)[:10],
}

# ---------------------------------------------------------------- responses
def response_input(doc, out=b"", err=b"", outcome_byte=0, flags=0, signal=0, stage=0,
                   errno=0, exit_code=0):
    if isinstance(doc, str):
        doc = doc.encode()
    hdr = bytes([outcome_byte, flags, signal, stage & 0xFF, errno, exit_code & 0xFF])
    hdr += struct.pack("<HHHH", len(out), len(err), 1500, 128) + bytes([3, 7])
    assert len(hdr) == 16
    return hdr + doc + out + err


OUTCOME = lambda n: 0x80 | n  # noqa: E731 (header byte for outcome n)
TRACE = "Traceback (most recent call last):\n  File \"<script>\", line 2\n"
RESPONSES = {
    "ok.bin": response_input('{"ok":true,"result":{"message":"Hello World"}}',
                             out=b"Hello from stdout!\n"),
    "ok_floats.bin": response_input(
        '{"ok":true,"result":[0.1,1e16,1.5e-07,-0.0,3.0,123456789012345680000.0,'
        '5e-324,1.7976931348623157e308,9007199254740993,-9223372036854775808]}'),
    "ok_strings.bin": response_input(
        '{"ok":true,"result":{"s":"a\\u0000b\\n\\"\\\\\\u001f\\u00e9\\ud83d\\ude00",'
        '"nested":[[],{},[null,true,false]]}}', out=b"a\0b\xff\xc3", err=b"\xed\xa0\x80x"),
    "ok_no_result.bin": response_input('{"ok":true}'),
    "ok_array_doc.bin": response_input('[{"ok":true,"result":1}]'),
    "runtime_error.bin": response_input(
        json.dumps({"ok": False, "error_type": "runtime_error", "error": "ZeroDivisionError: "
                    "division by zero", "exception_type": "ZeroDivisionError", "line": 3,
                    "column": 0, "traceback": TRACE}), err=TRACE.encode()),
    "syntax_error.bin": response_input(
        '{"ok":false,"error_type":"syntax_error","error":"invalid syntax","line":1,'
        '"column":-1,"exception_type":7}'),
    "unknown_code.bin": response_input(
        '{"ok":false,"error_type":"made_up","error":"","traceback":null,"line":2147483648}'),
    "nul_code.bin": response_input(
        '{"ok":false,"error_type":"missing_main\\u0000x","error":"\\u0000hidden"}'),
    "long_error.bin": response_input(
        json.dumps({"ok": False, "error_type": "runtime_error",
                    "error": "e" * 4094 + "\u00e9\u00e9", "exception_type": "X" * 255 + "\u4e2d"},
                   ensure_ascii=False)),
    "overflow.bin": response_input('{"ok":true,"result":18446744073709551616}'),
    "malformed.bin": response_input('{"ok":true,"result":', out=b"partial"),
    "ok_string_true.bin": response_input('{"ok":"true","result":1}'),
    "no_doc.bin": response_input("", exit_code=-1, out=b"bye\n"),
    "timeout.bin": response_input("", outcome_byte=OUTCOME(1), flags=1),
    "memory.bin": response_input("", outcome_byte=OUTCOME(2), flags=2),
    "signaled.bin": response_input("", outcome_byte=OUTCOME(3), signal=9),
    "signaled_rt.bin": response_input("", outcome_byte=OUTCOME(3), signal=64),
    "output_limit.bin": response_input("", outcome_byte=OUTCOME(4)),
    "result_limit.bin": response_input("", outcome_byte=OUTCOME(5)),
    "setup_failed.bin": response_input("", outcome_byte=OUTCOME(6), stage=13, errno=1),
    "setup_unknown.bin": response_input("", outcome_byte=OUTCOME(6), stage=-3, errno=200),
    "internal.bin": response_input("", outcome_byte=OUTCOME(7), errno=12),
    "cpu_limit.bin": response_input("", outcome_byte=OUTCOME(8)),
}

# ---------------------------------------------------------------- utf8
UTF8 = {
    "ascii.txt": b"Hello from stdout!\n",
    "valid.txt": "a\u00e9\u4e2d\U0001F600\U0010FFFF\uD7FF\uE000\0z".encode(),
    "overlong.bin": b"\xc0\x80\xc1\xbf\xe0\x80\x80\xe0\x9f\xbf\xf0\x80\x80\x80\xf0\x8f\xbf\xbf",
    "surrogates.bin": b"\xed\xa0\x80\xed\xbf\xbf\xed\x9f\xbf",
    "beyond.bin": b"\xf4\x90\x80\x80\xf5\x80\x80\x80\xff\xfe\xf8\x88\x80\x80\x80",
    "truncated.bin": b"\xe4\xb8\xf0\x9f\x98\xc3",
    "continuations.bin": b"\x80\xbf\x80a\x80",
    "mixed.bin": b"ok \xe2\x82\xac \xe2\x82 \xf0\x9f\x98\x80\xf0\x9f\x98 end",
}

# ---------------------------------------------------------------- imports
# Script texts: the seeds' pandas example, and every statement form the scanner reads.
IMPORTS = {
    "seed_pandas.py": "import pandas as pd\nimport numpy as np\n\ndef main():\n    return 1\n",
    "plain.py": "import os, sys as s\nfrom collections import Counter\n",
    "forms.py": ("x = 1; import a.b.c\nif x: from . import y\nfrom ..z import (q,\n  r)\n"
                 "import \\\n  m\r\nfrom\tk import w\n"),
    "not_imports.py": "raise E from err\nyield from g\nimportant = __import__('x')\n",
    "unicode.bin": b"\xef\xbb\xbfimport \xc3\xa9t\xc3\xa9 as \xff\n\0import z",
}


def write(target, files):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in files.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    write("fuzz_request", REQUESTS)
    write("fuzz_ipc", IPC)
    write("fuzz_response", RESPONSES)
    write("fuzz_utf8", UTF8)
    write("fuzz_imports", IMPORTS)


if __name__ == "__main__":
    main()
