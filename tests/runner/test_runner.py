# Tests for runtime/runner.py, run directly without the sandbox.
#
# Each test hands the runner a script the way the C side does: fd 3 a sealed
# memfd (written, not rewound, as the daemon leaves it), fd 4 the write end
# of the result pipe, fds 1/2 separate pipes, fd 0 /dev/null.  Cold mode
# spawns `/usr/bin/python3 -I -B -c <runner source>`; warm mode execs the
# source into a "pyexec_runner" namespace in this process (numpy and pandas
# preloaded, as in the zygote) and forks a child that calls run(warm=True),
# after prepare() has run in it or not (a pre-built jail calls it first).
#
# Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/runner

import fcntl
import importlib
import io
import json
import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PYTHON = "/usr/bin/python3"
SOURCE = (Path(__file__).resolve().parents[2] / "runtime" / "runner.py").read_text("utf-8")
TIMEOUT = 120  # pandas imports slowly on a loaded machine
MISSING_MAIN = "Validation error: Script must contain a main() function"


class Outcome:
    def __init__(self, status, out, err, raw):
        # The contract: one line, whose newline marks the document complete.
        if raw:
            assert raw.endswith(b"\n") and raw.count(b"\n") == 1, raw[-200:]
            raw = raw[:-1]
        self.status, self.stdout, self.stderr, self.raw = status, out, err, raw

    @property
    def doc(self):
        assert self.raw, f"no result document (status {self.status}, stderr {self.stderr!r})"
        # Strict: the C side's parser gets exactly these bytes.
        return json.loads(self.raw.decode("utf-8"))

    def result(self):
        assert self.doc["ok"] is True, self.doc
        assert self.status == 0
        return self.doc["result"]

    def error(self, error_type):
        doc = self.doc
        assert doc["ok"] is False and doc["error_type"] == error_type, doc
        assert self.status == 0
        return doc


def _high(fd):
    # Moves fd to 10 or above, so that placing fds at 0..4 in the child can
    # never overwrite a source fd that happens to sit there.
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


def _pipe():
    r, w = os.pipe()
    return _high(r), _high(w)


def _script_fd(script):
    data = textwrap.dedent(script).encode("utf-8") if isinstance(script, str) else script
    fd = os.memfd_create("script", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW
                | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
    return _high(fd)


def _run(script, start):
    """start(child_fds) starts the runner with child_fds[i] meant as fd i and
    returns its pid; collects the three outputs and the exit status."""
    null = _high(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))
    script_fd = _script_fd(script)
    (out_r, out_w), (err_r, err_w), (res_r, res_w) = _pipe(), _pipe(), _pipe()
    try:
        pid = start([null, out_w, err_w, script_fd, res_w])
    finally:
        for fd in (null, script_fd, out_w, err_w, res_w):
            os.close(fd)
    chunks = {out_r: [], err_r: [], res_r: []}
    deadline = time.monotonic() + TIMEOUT
    with selectors.DefaultSelector() as sel:
        for fd in chunks:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            events = sel.select(max(0.0, deadline - time.monotonic()))
            if not events:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("runner timed out")
            for key, _ in events:
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    sel.unregister(key.fd)
                    os.close(key.fd)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return Outcome(status, *(b"".join(chunks[fd]) for fd in (out_r, err_r, res_r)))


def run_cold(script, missing_fds=()):
    def start(fds):
        # posix_spawn's dup2 actions clear close-on-exec on the targets only,
        # so the child gets exactly fds 0..4 (minus missing_fds).  subprocess
        # would need a preexec_fn, unsafe once numpy's threads run here.
        actions = [(os.POSIX_SPAWN_CLOSE, target) if target in missing_fds else
                   (os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
        return os.posix_spawn(PYTHON, [PYTHON, "-I", "-B", "-c", SOURCE], dict(os.environ),
                              file_actions=actions)
    return _run(script, start)


@pytest.fixture(scope="module")
def namespace():
    for name in ("numpy", "pandas"):  # preloaded, as the zygote does
        importlib.import_module(name)
    namespace = {"__name__": "pyexec_runner"}
    exec(compile(SOURCE, "<pyexec-runner>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module", params=["fresh", "prepared"])
def warm(namespace, request):
    # "prepared": a child built ahead of its request (--pool), which calls
    # prepare() before its script is there and then run().
    prepared = request.param == "prepared"

    def run_warm(script, stale_output=None):
        def start(fds):
            pid = os.fork()
            if pid == 0:
                try:
                    for target, fd in enumerate(fds):
                        os.dup2(fd, target)
                    if stale_output is not None:
                        # Output the zygote left in a buffer on fd 1.
                        stale = io.TextIOWrapper(io.FileIO(1, "w", closefd=False))
                        stale.write(stale_output)
                        sys.stdout = sys.__stdout__ = stale
                        del stale
                    # As in the embedded zygote, which installs no signal handlers.
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    if prepared:
                        namespace["prepare"]()
                    namespace["run"](warm=True)
                finally:
                    os._exit(99)  # run() returned or raised: a contract breach
            return pid
        return _run(script, start)
    return run_warm


# --- the basics -------------------------------------------------------------

def test_hello_world_separates_result_and_output():
    out = run_cold("""
        import sys
        def main():
            print("hello")
            print("to stderr", file=sys.stderr)
            return {"greeting": "world", "n": [1, 2.5, None, True], "é": "ü"}
    """)
    assert out.status == 0
    assert out.result() == {"greeting": "world", "n": [1, 2.5, None, True], "é": "ü"}
    assert out.stdout == b"hello\n"
    assert out.stderr == b"to stderr\n"
    # Compact separators and raw UTF-8, per the contract.
    assert out.raw == '{"ok":true,"result":{"greeting":"world","n":[1,2.5,null,true],"é":"ü"}}'.encode()


PANDAS_EXAMPLE = """
import pandas as pd
import numpy as np

def main():
    print("Creating sample data...")
    data = pd.DataFrame({
        "x": np.random.randn(100),
        "y": np.random.randn(100)
    })
    print(f"Data shape: {data.shape}")
    return {
        "mean_x": float(data["x"].mean()),
        "mean_y": float(data["y"].mean()),
        "correlation": float(data.corr().iloc[0,1])
    }
"""


def _check_pandas_example(out):
    result = out.result()
    assert set(result) == {"mean_x", "mean_y", "correlation"}
    assert all(isinstance(v, float) for v in result.values())
    assert -1.0 <= result["correlation"] <= 1.0
    assert out.stdout == b"Creating sample data...\nData shape: (100, 2)\n"


def test_unterminated_output_is_flushed():
    out = run_cold("import sys\ndef main():\n    print('no newline', end='')\n"
                   "    sys.stderr.write('nor here')\n    return 1\n")
    assert (out.result(), out.stdout, out.stderr) == (1, b"no newline", b"nor here")


def test_pandas_example():
    _check_pandas_example(run_cold(PANDAS_EXAMPLE))


def test_no_heavy_imports_at_top_level():
    out = run_cold("""
        import sys
        def main():
            return [m for m in ("numpy", "pandas") if m in sys.modules]
    """)
    assert out.result() == []


def test_script_environment_mimics_python_script_py():
    out = run_cold("""
        import pickle, sys
        def helper():
            pass
        def main():
            return {"argv": sys.argv, "name": __name__, "has_file": "__file__" in globals(),
                    "pickles": pickle.loads(pickle.dumps(helper)) is helper}
        if __name__ == "__main__":
            print("main block ran")
    """)
    assert out.result() == {"argv": ["script.py"], "name": "__main__", "has_file": False,
                            "pickles": True}
    assert out.stdout == b"main block ran\n"


def test_script_sees_its_own_source():
    # Cold mode imports linecache only when the script does; the module's
    # __loader__ must still give tracebacks and inspect the source.
    out = run_cold("""
        import inspect, traceback, warnings
        def main():
            warnings.warn("careful")
            try:
                {}["missing"]
            except KeyError:
                traceback.print_exc()
            return inspect.getsource(main).splitlines()[0]
    """)
    assert out.result() == "def main():"
    assert b"script.py:4: UserWarning: careful" in out.stderr
    assert b'File "script.py", line 6, in main\n    {}["missing"]' in out.stderr


def test_async_main():
    out = run_cold("""
        import asyncio
        async def main():
            await asyncio.sleep(0)
            return "from a coroutine"
    """)
    assert out.result() == "from a coroutine"


def test_bom_is_tolerated():
    assert run_cold(b"\xef\xbb\xbfdef main():\n    return 1\n").result() == 1


def test_large_result_is_written_completely():
    assert run_cold("def main():\n    return 'x' * 1_000_000\n").result() == "x" * 1_000_000


# --- rejected before running --------------------------------------------------

def test_invalid_encoding():
    doc = run_cold(b"def main():\n    return '\xff'\n").error("invalid_encoding")
    assert "UTF-8" in doc["error"]


def test_invalid_encoding_offset_counts_the_bom():
    script = b"\xef\xbb\xbfdef main():\n    return '\xff'\n"
    doc = run_cold(script).error("invalid_encoding")
    assert doc["error"].endswith("at byte %d)" % script.index(b"\xff")), doc["error"]


def test_syntax_error_reports_line_and_column():
    script = "x = 1\ndef main(:\n    return 1\n"
    with pytest.raises(SyntaxError) as expected:
        compile(script, "script.py", "exec")
    doc = run_cold(script).error("syntax_error")
    e = expected.value
    assert (doc["line"], doc["column"]) == (e.lineno, e.offset) and e.lineno == 2
    assert doc["error"] == f"Syntax error: {e.msg} (line {e.lineno}, column {e.offset})"


@pytest.mark.parametrize("script", [
    "def main():\n    return 1\n  x = 2\n",          # IndentationError
    "def main():\n    return 1\n\0\n",               # null byte (ValueError in 3.11)
    "return 1\ndef main():\n    pass\n",              # only the compiler rejects this
    "def main():\n    return " + "-" * 100000 + "1\n",  # parser gives up (MemoryError)
])
def test_other_syntax_errors(script):
    assert run_cold(script).error("syntax_error")["error"].startswith("Syntax error: ")


@pytest.mark.parametrize("script", [
    "print('side effect')\n",
    "def helper():\n    def main():\n        return 1\n",
    "class C:\n    def main(self):\n        return 1\n",
    "main: int\n",
    "import os.path as mainly\n",
    "import os\nos.main = 1\n",                      # an attribute, not a name
    "print(main)\n",                                 # used, never bound
    "".join("v%d = 0\n" % i for i in range(300)) + "print(main)\n",
])
def test_missing_main(script):
    out = run_cold(script)
    assert out.error("missing_main")["error"] == MISSING_MAIN
    assert out.stdout == b""  # rejected before anything ran


@pytest.mark.parametrize("script, expected", [
    ("if True:\n    def main():\n        return 1\n", 1),
    ("main = lambda: 2\n", 2),
    ("main: object = lambda: 3\n", 3),
    ("try:\n    import no_such_module\nexcept ImportError:\n    def main():\n"
     "        return 4\n", 4),
    ("with open('/dev/null'):\n    class main:\n        def __new__(cls):\n"
     "            return 5\n", 5),
    ("from builtins import list as main\n", []),
    ("main, other = (lambda: 6), None\n", 6),
    ("for main in [lambda: 7]:\n    pass\n", 7),
    ("global main\nmain = lambda: 8\n", 8),
    # "main" past the 256th name: its store carries an EXTENDED_ARG prefix
    ("".join("v%d = 0\n" % i for i in range(300)) + "def main():\n    return 9\n", 9),
])
def test_main_bindings_accepted(script, expected):
    assert run_cold(script).result() == expected


def test_store_opcodes_match_this_python():
    # The runner hard-wires them for 3.11 rather than import opcode.
    import opcode
    ns = {}
    exec(compile(SOURCE, "runner", "exec"), ns)
    assert ns["_STORE_OPS"] == (opcode.opmap["STORE_NAME"], opcode.opmap["STORE_GLOBAL"])
    assert ns["_EXTENDED_ARG"] == opcode.EXTENDED_ARG


def test_main_deleted_at_runtime():
    out = run_cold("def main():\n    return 1\ndel main\n")
    assert out.error("missing_main")["error"] == MISSING_MAIN


@pytest.mark.parametrize("script, type_name", [("main = 42\n", "int"),
                                               ("import json as main\n", "module")])
def test_main_not_callable(script, type_name):
    doc = run_cold(script).error("main_not_callable")
    assert f"'{type_name}'" in doc["error"]


# --- failures while running ---------------------------------------------------

def test_exception_traceback_names_user_lines_only():
    doc = run_cold("""
        def helper():
            return 1 / 0

        def main():
            return helper()
    """).error("runtime_error")
    assert doc["exception_type"] == "ZeroDivisionError"
    assert doc["error"] == "ZeroDivisionError: division by zero"
    tb = doc["traceback"]
    assert tb.startswith('Traceback (most recent call last):\n  File "script.py", line 6, in main\n')
    assert 'File "script.py", line 3, in helper' in tb and "return 1 / 0" in tb
    assert "<string>" not in tb and "runner" not in tb


def test_exception_at_module_level():
    doc = run_cold("raise ValueError('at import')\ndef main():\n    pass\n").error("runtime_error")
    assert doc["error"] == "ValueError: at import"
    assert 'File "script.py", line 1, in <module>' in doc["traceback"]


def test_async_exception_traceback_starts_at_script():
    doc = run_cold("""
        async def main():
            raise KeyError("k")
    """).error("runtime_error")
    assert doc["error"] == "KeyError: 'k'"
    assert doc["traceback"].startswith('Traceback (most recent call last):\n  File "script.py"')
    assert "asyncio" not in doc["traceback"]


def test_library_frames_are_kept():
    doc = run_cold("""
        import json
        def main():
            return json.loads("{")
    """).error("runtime_error")
    assert doc["exception_type"] == "JSONDecodeError"
    assert 'File "script.py", line 4, in main' in doc["traceback"]
    assert "json/decoder.py" in doc["traceback"]


@pytest.mark.parametrize("body, exception_type", [
    ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    ("return main()", "RecursionError"),
    ("return input()", "EOFError"),  # stdin is /dev/null
])
def test_base_exceptions_are_runtime_errors(body, exception_type):
    doc = run_cold(f"def main():\n    {body}\n").error("runtime_error")
    assert doc["exception_type"] == exception_type
    assert "script.py" in doc["traceback"]


@pytest.mark.parametrize("call, shown", [("sys.exit(3)", "3"), ("sys.exit()", "None"),
                                         ("sys.exit('bye')", "'bye'")])
def test_sys_exit(call, shown):
    doc = run_cold(f"import sys\ndef main():\n    {call}\n").error("system_exit")
    assert doc["error"] == f"Script called sys.exit({shown})"


def test_memory_error():
    doc = run_cold("def main():\n    raise MemoryError()\n").error("memory_limit")
    assert doc["error"] == "Script ran out of memory (MemoryError)"


def test_hostile_exception():
    doc = run_cold("""
        class Meta(type):
            @property
            def __name__(cls):
                raise RuntimeError("no name either")

        class Evil(Exception, metaclass=Meta):
            def __str__(self):
                raise SystemExit("str() escapes as SystemExit")
            def __repr__(self):
                return repr(self)

        def main():
            raise Evil()
    """).error("runtime_error")
    assert doc["exception_type"] == "Exception"
    assert doc["error"] == "Exception: <exception str() failed>"


def test_recursive_str_exception():
    doc = run_cold("""
        class Loop(Exception):
            def __str__(self):
                return str(self)
        def main():
            raise Loop()
    """).error("runtime_error")
    assert doc["exception_type"] == "Loop"
    assert "script.py" in doc["traceback"]


def test_huge_messages_are_capped():
    doc = run_cold("def main():\n    raise ValueError('x' * 200000)\n").error("runtime_error")
    assert len(doc["error"].encode()) <= 4096 and "truncated" in doc["error"]
    assert len(doc["traceback"].encode()) <= 65536 and "truncated" in doc["traceback"]
    assert doc["traceback"].startswith("Traceback")


# --- serializing the result ---------------------------------------------------

def test_numpy_values_are_converted():
    out = run_cold("""
        import numpy as np
        def main():
            return {"i": np.int64(7), "f": np.float32(0.5), "b": np.bool_(True),
                    "a": np.arange(3), "m": np.eye(2), "ld": np.longdouble(1.5),
                    "f64": np.float64(2.5)}
    """)
    assert out.result() == {"i": 7, "f": 0.5, "b": True, "a": [0, 1, 2],
                            "m": [[1.0, 0.0], [0.0, 1.0]], "ld": 1.5, "f64": 2.5}


def test_datetimes_become_iso_strings():
    out = run_cold("""
        import datetime
        def main():
            return [datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5),
                    datetime.time(6, 7)]
    """)
    assert out.result() == ["2024-01-02", "2024-01-02T03:04:05", "06:07:00"]


def test_dataframe_refused_with_hint():
    doc = run_cold("""
        import pandas as pd
        def main():
            return pd.DataFrame({"a": [1, 2]})
    """).error("result_not_serializable")
    assert doc["error"] == ("main() returned a pandas DataFrame, which is not JSON-serializable; "
                            'return df.to_dict() or df.to_dict(orient="records") instead')


def test_nested_series_refused_with_hint():
    doc = run_cold("""
        import pandas as pd
        def main():
            return {"s": pd.Series([1, 2])}
    """).error("result_not_serializable")
    assert "pandas Series (inside the result)" in doc["error"] and "s.tolist()" in doc["error"]


@pytest.mark.parametrize("value, needle", [
    ("{1, 2}", "'set'"),
    ("[b'raw']", "'bytes' (inside the result)"),
    ("__import__('decimal').Decimal('1.5')", "'Decimal'"),
    ("{(1, 2): 'tuple key'}", "keys must be str"),
    ("object()", "'object'"),
])
def test_unserializable_values(value, needle):
    doc = run_cold(f"def main():\n    return {value}\n").error("result_not_serializable")
    assert doc["error"].startswith("main() returned ") and needle in doc["error"]


def test_bytes_hint():
    doc = run_cold("def main():\n    return b'x'\n").error("result_not_serializable")
    assert "decode" in doc["error"]


@pytest.mark.parametrize("value", ["float('nan')", "[1, float('inf')]",
                                   "{'x': __import__('numpy').float32('nan')}"])
def test_nan_and_infinity(value):
    doc = run_cold(f"def main():\n    return {value}\n").error("result_nan")
    assert doc["error"] == ("main() returned NaN or Infinity, which JSON cannot represent; "
                            "convert them to None or a string")


def test_circular_reference():
    doc = run_cold("def main():\n    d = {}\n    d['self'] = d\n    return d\n")
    assert "Circular reference" in doc.error("result_not_serializable")["error"]


def test_too_deeply_nested_result():
    doc = run_cold("""
        def main():
            value = []
            for _ in range(100000):
                value = [value]
            return value
    """).error("result_not_serializable")
    assert "nested too deeply" in doc["error"]


def test_result_with_lone_surrogate_is_valid_utf8():
    out = run_cold("def main():\n    return {'s': 'a\\udc80b'}\n")
    out.raw.decode("utf-8")  # strict
    assert out.result() == {"s": "a?b"}


def test_printing_lone_surrogate_does_not_crash():
    out = run_cold("def main():\n    print('a\\udc80b')\n    return 1\n")
    assert out.result() == 1
    assert out.stdout == b"a\\udc80b\n"


def test_error_text_with_lone_surrogate_is_valid_utf8():
    out = run_cold("def main():\n    raise ValueError('a\\udc80b')\n")
    out.raw.decode("ascii")  # error documents are ASCII-only
    assert out.error("runtime_error")["error"] == "ValueError: a\\udc80b"


# --- the script against the runner ------------------------------------------

def test_script_closing_result_channel_exits_3():
    out = run_cold("import os\ndef main():\n    os.close(4)\n    return 1\n")
    assert (out.status, out.raw) == (3, b"")


def test_script_replacing_result_channel_exits_3(tmp_path):
    victim = tmp_path / "victim"
    out = run_cold(f"""
        import os
        def main():
            os.dup2(os.open({str(victim)!r}, os.O_WRONLY | os.O_CREAT), 4)
            return 1
    """)
    assert (out.status, out.raw) == (3, b"")
    assert victim.read_bytes() == b""  # the document did not land in the script's file


def test_forked_child_does_not_report():
    out = run_cold("""
        import os
        def main():
            pid = os.fork()
            if pid == 0:
                return "child"
            os.waitpid(pid, 0)
            return "parent"
    """)
    assert out.result() == "parent"  # one document only, or json.loads would fail


def test_output_survives_a_kill():
    # A timeout kill gives no chance to flush: line buffering must have.
    out = run_cold("""
        import os, signal
        def main():
            print("before the kill")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert (out.status, out.raw, out.stdout) == (-signal.SIGKILL, b"", b"before the kill\n")


def test_monkeypatching_does_not_break_reporting():
    out = run_cold("""
        import builtins, io, json, os, sys
        def main():
            sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
            print("through the script's own wrapper", end="")
            os.write = os.close = os._exit = os.fstat = os.getpid = None
            json.dumps = json.JSONEncoder = None
            sys.modules["json"] = None
            for name in ("len", "callable", "memoryview", "getattr", "repr", "type"):
                setattr(builtins, name, None)
            return {"still": "fine"}
    """)
    assert out.result() == {"still": "fine"}
    assert out.stdout == b"through the script's own wrapper"


def test_leftover_threads_do_not_delay_exit():
    started = time.monotonic()
    out = run_cold("""
        import threading, time
        def main():
            threading.Thread(target=time.sleep, args=(60,)).start()
            return "done"
    """)
    assert out.result() == "done" and time.monotonic() - started < 30


def test_missing_result_channel_exits_3():
    out = run_cold("def main():\n    return 1\n", missing_fds=(4,))
    assert (out.status, out.raw) == (3, b"")


def test_runner_failure_is_still_reported():
    # Without fd 1 the runner cannot even set up stdout.
    doc = run_cold("def main():\n    return 1\n", missing_fds=(1,)).error("internal_error")
    assert doc["error"].startswith("pyexec runner failed: ")


def test_atexit_handlers_do_not_run():
    out = run_cold("import atexit\natexit.register(print, 'atexit ran')\n"
                   "def main():\n    return 1\n")
    assert out.result() == 1 and out.stdout == b""


def test_runner_source_fits_on_a_command_line():
    # Passed as one argv string (MAX_ARG_STRLEN) and embedded as a C string.
    assert len(SOURCE.encode()) < 128 * 1024 and "\0" not in SOURCE


# --- warm mode ----------------------------------------------------------------

def test_warm_hello_world(warm):
    out = warm("def main():\n    print('warm')\n    return 'hi'\n")
    assert (out.status, out.result(), out.stdout) == (0, "hi", b"warm\n")


def test_warm_pandas_example(warm):
    _check_pandas_example(warm(PANDAS_EXAMPLE))


@pytest.mark.parametrize("script", [
    "import random\ndef main():\n    return random.random()\n",
    "import numpy as np\ndef main():\n    return np.random.rand()\n",
])
def test_warm_runs_are_reseeded(warm, script):
    first, second = warm(script).result(), warm(script).result()
    assert isinstance(first, float) and first != second


def test_warm_seeds_linecache_directly(warm):
    # linecache is loaded in the zygote, so the runner seeds its cache too:
    # callers passing no module globals (warnings, here getline) see the
    # source.  (Cold, they do not unless the script loaded linecache first.)
    out = warm("import linecache\ndef main():\n    return linecache.getline('script.py', 2)\n")
    assert out.result() == "def main():\n"


def test_warm_drops_zygote_output(warm):
    out = warm("def main():\n    print('mine')\n    return 1\n", stale_output="zygote's")
    assert (out.result(), out.stdout) == (1, b"mine\n")


def test_warm_sigint_is_keyboard_interrupt(warm):
    doc = warm("import os, signal\ndef main():\n    os.kill(os.getpid(), signal.SIGINT)\n"
               "    return 'not reached'\n").error("runtime_error")
    assert doc["exception_type"] == "KeyboardInterrupt", doc


def test_warm_traceback_hides_runner(warm):
    doc = warm("def main():\n    raise RuntimeError('warm failure')\n").error("runtime_error")
    assert doc["traceback"].startswith('Traceback (most recent call last):\n  File "script.py"')
    assert "pyexec-runner" not in doc["traceback"]


# --- the JSON encoding shortcut -----------------------------------------------

@pytest.mark.parametrize("value", [
    "text", "lone \udc80", 1.5, -0.0, 10**30, True, None, [1, [2, {"k": "é"}]],
    {"b": 1, "a": (2, 3), 1: "int key", None: 0, 2.5: False}, "\x00\n\"\\",
])
@pytest.mark.parametrize("ascii_only", [False, True])
def test_dumps_matches_json_dumps(namespace, value, ascii_only):
    expected = json.dumps(value, ensure_ascii=ascii_only, allow_nan=False,
                          separators=(",", ":"), default=namespace["_convert"])
    assert namespace["_make_encoder"] is not None
    assert namespace["_dumps"](value, ascii_only) == expected


def test_works_without_json_accelerator():
    probe = (
        "import sys\n"
        "sys.modules['_json'] = None\n"
        "ns = {'__name__': 'pyexec_runner'}\n"
        "exec(compile(sys.stdin.read(), '<pyexec-runner>', 'exec'), ns)\n"
        "print(ns['_make_encoder'], ns['_dumps']({'a': [1.5, 'é']}, True))\n"
    )
    done = subprocess.run([PYTHON, "-I", "-B", "-c", probe], input=SOURCE, capture_output=True,
                          text=True, timeout=TIMEOUT, check=True)
    assert done.stdout == 'None {"a":[1.5,"\\u00e9"]}\n'
