# pyexec runner: runs one untrusted script inside the jail and reports what
# its main() returned.
#
# Contract with the C side.  fds: 0 /dev/null, 1 stdout pipe, 2 stderr pipe,
# 3 the script (sealed memfd, UTF-8), 4 the result channel, which receives
# exactly one JSON document on one line, always valid UTF-8, then "\n":
#   {"ok":true,"result":...} or {"ok":false,"error_type":T,"error":MESSAGE,...}
# with T one of invalid_encoding, syntax_error (+ line, column when known),
# missing_main, main_not_callable, system_exit, memory_limit, runtime_error
# (+ exception_type, traceback), result_nan, result_not_serializable,
# internal_error.  stdout/stderr are flushed before it is written.  The
# newline says the document is complete: the daemon answers as soon as it
# sees it, and tears the jail down after.  Exit status 0 once it is
# written, 3 if fd 4 was unusable (the script closed it), 2 if the runner
# itself broke.  run() never returns but calls os._exit, so
# atexit handlers and leftover threads never run.
#
# Cold mode: `python3 -I -B -c <this file>`.  Warm mode: a zygote with numpy
# and pandas preloaded execs this once into a namespace named "pyexec_runner"
# and calls run(warm=True) in each forked child.  A child built ahead of its
# request (--pool) calls prepare() first, while it waits for the script; run()
# then finds it done.  So the top level only
# defines things and imports cheap modules: a cold hello world must cost
# little more than starting Python.  That rules out even json and linecache,
# which import re (some 9 ms, a third of a cold start); see _dumps and __loader__.
#
# Sharing its process with the code it runs, the runner cannot be tamper-proof:
# the jail is the security boundary.  It only shrugs off casual monkeypatching
# (builtins, os, json, sys.stdout...), so that a script which breaks its own
# environment still gets an accurate report.

import _ast  # the AST node classes, without the cost of importing ast (enum...)
import _signal  # signal without its enum wrappers; loaded already in a cold python3
import builtins
import io
import os
import sys
import types

# Functions defined below keep resolving builtins in this private copy, not in
# the builtins module the script can patch.
__builtins__ = dict(builtins.__dict__)

# Captured before any user code runs; the script can rebind os.write and
# friends but not these names in the runner's own namespace.
_pread, _write, _close, _fstat = os.pread, os.write, os.close, os.fstat
_getpid, _urandom, _exit = os.getpid, os.urandom, os._exit
_open, _modules = io.open, sys.modules
_ModuleType, _CoroutineType = types.ModuleType, types.CoroutineType
_Namespace = types.SimpleNamespace
_OWN_FILE = (lambda: 0).__code__.co_filename  # "<string>" cold, "<pyexec-runner>" warm
_SCRIPT = "script.py"
_MSG_CAP, _TB_CAP = 4096, 65536
_MISSING_MAIN = "Validation error: Script must contain a main() function"
_ABSENT = object()
_KEEP = []     # streams replaced at start-up, kept alive (see _setup_streams)
_STREAMS = []  # our stdout/stderr wrappers, flushed at the end
_PREPARED = []  # non-empty once prepare() has run in this process


class _Refused(TypeError):
    """args: (the value, its pandas class name or None).  No message: only
    _serialize knows whether the value is the whole result."""


_DECODE, _LIST = "decode it to str first, e.g. b.decode()", "convert it to a list, e.g. sorted(s)"
_HINTS = {"DataFrame": 'return df.to_dict() or df.to_dict(orient="records") instead',
          "Series": "return s.to_dict() or s.tolist() instead",
          "Index": "return idx.tolist() instead",
          "bytes": _DECODE, "bytearray": _DECODE, "set": _LIST, "frozenset": _LIST}


def _convert(o):
    # Only modules the script imported can have made such values: no imports.
    np = _modules.get("numpy")
    if np is not None:
        if isinstance(o, np.generic):
            # float(): longdouble.item() would return numpy's type again.
            value = float(o) if isinstance(o, np.floating) else o.item()
            if isinstance(value, np.generic):  # clongdouble: no Python twin
                raise _Refused(o, None)
            return value
        if isinstance(o, np.ndarray):
            return o.tolist()
    pd = _modules.get("pandas")
    if pd is not None:
        for kind in ("DataFrame", "Series", "Index"):
            cls = getattr(pd, kind, None)
            if isinstance(cls, type) and isinstance(o, cls):
                raise _Refused(o, kind)
    dt = _modules.get("datetime")
    if dt is not None and isinstance(o, (dt.date, dt.time)):
        return o.isoformat()
    raise _Refused(o, None)


def _dumps(value, ascii_only):
    # json.dumps(value, ensure_ascii=ascii_only, allow_nan=False, separators=
    # (",", ":"), default=_convert) by calling the C encoder json.dumps uses.
    if _make_encoder is None:
        import json
        return json.dumps(value, ensure_ascii=ascii_only, allow_nan=False,
                          separators=(",", ":"), default=_convert)
    return "".join(_make_encoder({}, _convert, _quote_ascii if ascii_only else _quote,
                                 None, ":", ",", False, False, False)(value, 0))


try:  # a private interface: should it ever change, fall back to json
    from _json import encode_basestring as _quote, encode_basestring_ascii as _quote_ascii
    from _json import make_encoder as _make_encoder
    if _dumps({"a": [1.5, None, "\xe9"]}, True) != '{"a":[1.5,null,"\\u00e9"]}':
        raise ImportError
except Exception:
    _make_encoder = None


def _cap(text, limit):
    # str.encode: text may be a hostile str subclass.  backslashreplace makes
    # lone surrogates visible escapes, keeping the document valid UTF-8.
    data = str.encode(text, "utf-8", "backslashreplace")
    if len(data) > limit:
        marker = b" [...truncated...] "
        head = (limit - len(marker)) // 4  # the end usually says most
        data = data[:head] + marker + data[len(data) - (limit - len(marker) - head):]
    return data.decode("utf-8", "ignore")  # "ignore" drops characters split by the cut


def _error(kind, message, **extra):
    doc = {"ok": False, "error_type": kind, "error": _cap(message, _MSG_CAP)}
    doc.update(extra)
    return _dumps(doc, True).encode("ascii")


# Built in advance: when memory has run out, building it might not work.
_MEMORY_DOC = _error("memory_limit", "Script ran out of memory (MemoryError)")


def _type_name(obj, fallback):
    # A hostile metaclass can make even type(obj).__name__ raise.
    try:
        name = type(obj).__name__
        return _cap(name, 256) if isinstance(name, str) else fallback
    except BaseException:
        return fallback


def _describe(exc):
    name = _type_name(exc, "Exception")
    try:
        message = _cap(str(exc), _MSG_CAP)
    except BaseException:
        message = "<exception str() failed>"
    return name, (name + ": " + message if message else name)


def _format_traceback(exc):
    try:
        import traceback  # only failing scripts pay for importing it
        tb = start = exc.__traceback__
        # Start at the user's first frame: ours (and asyncio's) above are noise.
        while start is not None and start.tb_frame.f_code.co_filename != _SCRIPT:
            start = start.tb_next
        if start is None:
            start = tb
            while start is not None and start.tb_frame.f_code.co_filename == _OWN_FILE:
                start = start.tb_next
        return _cap("".join(traceback.format_exception(type(exc), exc, start)), _TB_CAP)
    except BaseException:
        return ""


def _failure(exc):
    if isinstance(exc, MemoryError):
        return _MEMORY_DOC
    if isinstance(exc, SystemExit):
        try:
            code = repr(exc.code)
        except BaseException:
            code = "..."
        return _error("system_exit", "Script called sys.exit(" + code + ")")
    name, message = _describe(exc)
    return _error("runtime_error", message, exception_type=name,
                  traceback=_format_traceback(exc))


def _syntax_error(exc):
    if isinstance(exc, SyntaxError):
        fields = {k: v for k, v in (("line", exc.lineno), ("column", exc.offset))
                  if isinstance(v, int)}
        where = ", ".join(k + " " + str(v) for k, v in fields.items())
        return _error("syntax_error", "Syntax error: " + str(exc.msg or "invalid syntax")
                      + (" (" + where + ")" if where else ""), **fields)
    # ValueError: null bytes.  Absurd nesting: MemoryError or RecursionError.
    return _error("syntax_error", "Syntax error: " + (
        str(exc) if isinstance(exc, ValueError) else "script is too deeply nested to compile"))


# The opcodes that bind a module-level name, and the prefix widening an
# argument.  Hard-wired for 3.11 (Debian 12's python3; tests/runner checks them
# against the opcode module), whose import would cost a cold start more than
# the rest of the check.
if sys.version_info[:2] == (3, 11):
    _STORE_OPS, _EXTENDED_ARG = (90, 97), 144  # STORE_NAME, STORE_GLOBAL
else:
    import opcode
    _STORE_OPS = (opcode.opmap["STORE_NAME"], opcode.opmap["STORE_GLOBAL"])
    _EXTENDED_ARG = opcode.EXTENDED_ARG
    del opcode


def _stores_main(code, index):
    raw = code.co_code
    if index < 256:
        # Each instruction is two bytes, opcode then argument; a match must
        # start on an instruction and not be the low byte of a wider one.
        for op in _STORE_OPS:
            pair = bytes((op, index))
            at = raw.find(pair)
            while at >= 0:
                if at % 2 == 0 and (at == 0 or raw[at - 2] != _EXTENDED_ARG):
                    return True
                at = raw.find(pair, at + 1)
        return False
    wide = 0
    for at in range(0, len(raw), 2):
        op, arg = raw[at], raw[at + 1] | wide
        if op in _STORE_OPS and arg == index:
            return True
        wide = arg << 8 if op == _EXTENDED_ARG else 0
    return False


def _names(target):
    # Attributes and subscripts bind no module-level name (and *main a list).
    if isinstance(target, _ast.Name):
        return [target.id]
    if isinstance(target, (_ast.Tuple, _ast.List)):
        return [name for elt in target.elts for name in _names(elt)]
    return []


def _ast_binds_main(body):
    for node in body:
        names, blocks = [], []
        if isinstance(node, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, _ast.Assign):
            names = [name for t in node.targets for name in _names(t)]
        elif isinstance(node, _ast.AugAssign) or (
                isinstance(node, _ast.AnnAssign) and node.value is not None):
            names = _names(node.target)
        elif isinstance(node, _ast.Import):
            names = [a.asname or a.name.partition(".")[0] for a in node.names]
        elif isinstance(node, _ast.ImportFrom):
            names = [a.asname or a.name for a in node.names]
        # Only blocks that run at module level: not function or class bodies.
        elif isinstance(node, _ast.If):
            blocks = [node.body, node.orelse]
        elif isinstance(node, (_ast.Try, getattr(_ast, "TryStar", _ast.Try))):
            blocks = [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]
        elif isinstance(node, (_ast.With, _ast.AsyncWith)):
            blocks = [node.body]
        if "main" in names or any(_ast_binds_main(block) for block in blocks):
            return True
    return False


def _binds_main(code, source):
    # Static, so that a script without main() is rejected before any of it
    # runs; binding main through globals() or exec() is not seen.  First the
    # bytecode: some instruction of the module-level code (not of a function
    # or class body) stores the name main.  That spares building the AST as
    # Python objects, which in a warm child costs more than running a small
    # script.  The compiler drops unreachable statements (after a top-level
    # raise) but keeps their names, so a name without a store is settled by
    # the AST: such a script gets the error it really runs into.
    names = code.co_names
    if "main" not in names:
        return False
    if _stores_main(code, names.index("main")):
        return True
    return _ast_binds_main(compile(source, _SCRIPT, "exec", _ast.PyCF_ONLY_AST,
                                   dont_inherit=True).body)


def _read_script():
    # pread from offset 0: the daemon wrote the memfd, so its offset may
    # already sit at the end.
    data = bytearray()
    while chunk := _pread(3, 1 << 20, len(data)):
        data += chunk
    _close(3)
    return data


def _setup_streams():
    # The old streams are kept alive: in warm mode they may hold the zygote's
    # unflushed output, which garbage collection would flush into our stdout.
    _KEEP.extend(getattr(sys, name, None) for name in
                 ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"))
    common = {"encoding": "utf-8", "errors": "backslashreplace", "closefd": False}
    sys.stdin = sys.__stdin__ = _open(0, "r", **common)
    # Line buffering (the 1): output printed before a timeout kill must
    # already be in the pipe, not in a buffer that dies with the process.
    sys.stdout = sys.__stdout__ = _open(1, "w", 1, **common)
    sys.stderr = sys.__stderr__ = _open(2, "w", 1, **common)
    _STREAMS.extend((sys.stdout, sys.stderr))


def _reseed():
    # Forked children inherit the zygote's PRNG states, and would all draw
    # the same numbers.  random reseeds itself from the OS in every child
    # (random.py registers an at-fork hook, which PyOS_AfterFork_Child runs);
    # numpy's legacy global generator does not.  A whole MT19937 key from
    # the OS: full entropy, and cheaper in a fresh child than seed() (whose
    # sequence path touches some 190 zygote pages against 80).  Modules
    # imported later seed themselves.
    np_random = _modules.get("numpy.random")
    numpy = _modules.get("numpy")
    if np_random is not None and numpy is not None:
        key = numpy.frombuffer(_urandom(624 * 4), dtype=numpy.uint32)
        np_random.set_state(("MT19937", key, 624))


def _serialize(value):
    try:
        text = _dumps(value, False)
        return b'{"ok":true,"result":' + str.encode(text, "utf-8", "replace") + b"}"
    except MemoryError:
        return _MEMORY_DOC
    except _Refused as exc:
        obj, kind = exc.args
        name = kind or _type_name(obj, "object")
        what = "a pandas " + name if kind else "a value of type '" + name + "'"
        where = "" if obj is value else " (inside the result)"
        hint = _HINTS.get(name)
        return _error("result_not_serializable", "main() returned " + what + where
                      + ", which is not JSON-serializable" + ("; " + hint if hint else ""))
    except RecursionError:
        return _error("result_not_serializable",
                      "main() returned a value that is nested too deeply to serialize")
    except BaseException as exc:
        # The result's own code (a dict subclass's items()...) may raise anything.
        message = _describe(exc)[1]
        if isinstance(exc, ValueError) and "Out of range float values" in message:
            return _error("result_nan", "main() returned NaN or Infinity, which JSON cannot "
                          "represent; convert them to None or a string")
        return _error("result_not_serializable",
                      "main() returned a value that is not JSON-serializable: " + message)


def _execute():
    data = _read_script()
    # Tolerate the BOM some editors put at the start.  Stripped by hand: the
    # utf-8-sig codec is a module of its own, imported anew in every warm child.
    bom = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    try:
        source = str(memoryview(data)[bom:], "utf-8")
    except UnicodeDecodeError as exc:
        return _error("invalid_encoding", "Script is not valid UTF-8 (%s at byte %d)"
                      % (exc.reason, exc.start + bom))
    try:
        code = compile(source, _SCRIPT, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        return _syntax_error(exc)
    if not _binds_main(code, source):
        return _error("missing_main", _MISSING_MAIN)

    # Mimic `python script.py`: the script is __main__ (so pickle and
    # multiprocessing find its functions) but has no __file__ on disk.
    module = _ModuleType("__main__")
    namespace = module.__dict__
    # linecache asks __loader__ for sources it cannot find on disk, so that
    # tracebacks work even if linecache is imported only after this point.
    loader = _Namespace(get_source=lambda fullname: source)
    namespace.update(__builtins__=builtins, __loader__=loader)
    _modules["__main__"] = module
    sys.argv = [_SCRIPT]
    linecache = _modules.get("linecache")
    if linecache is not None:
        # Also seeded directly, for callers passing no module globals
        # (warnings).  mtime None: checkcache() keeps what it cannot stat.
        # The last line ends in a newline, as linecache.updatecache() makes
        # it (traceback's caret offsets count on it).
        lines = source.splitlines(True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        linecache.cache[_SCRIPT] = (len(source), None, lines, _SCRIPT)
    try:
        exec(code, namespace)
        main = namespace.get("main", _ABSENT)
        if main is _ABSENT:  # deleted again, or only annotated
            return _error("missing_main", _MISSING_MAIN)
        if not callable(main):
            return _error("main_not_callable", "Validation error: main must be a function, "
                          "but it is a value of type '" + _type_name(main, "object") + "'")
        value = main()
        if isinstance(value, _CoroutineType):
            import asyncio  # costly; only async scripts need it
            value = asyncio.run(value)
    except BaseException as exc:
        return _failure(exc)
    return _serialize(value)


def _finish(doc, pid, channel):
    # Output before the result: should the daemon kill us over the result
    # (too large), what the script printed is complete all the same.  The
    # script's own replacement streams first: they may write into ours.
    for stream in [getattr(sys, "stdout", None), getattr(sys, "stderr", None)] + _STREAMS:
        try:
            stream.flush()
        except BaseException:
            pass
    if _getpid() != pid:  # a child the script forked must not report too
        _exit(0)
    try:
        st = _fstat(4)
        # The script may have closed fd 4 and opened something else there.
        if (st.st_dev, st.st_ino) != channel:
            raise OSError("result channel replaced")
        view = memoryview(doc + b"\n")
        while view:
            view = view[_write(4, view):]
        _close(4)
    except BaseException:
        _exit(3)
    _exit(0)


def _signals_not_default():
    """Signals whose entry in _signal's table (what signal.getsignal()
    answers) is not the default in this process.  In a warm zygote the table
    was read from the zygote's own dispositions when _signal was imported (a
    daemon started from a shell inherits SIGINT and SIGQUIT ignored), but
    the jail resets every disposition to the default before the runner
    starts.  None: not Python's (glibc's own)."""
    return [sig for sig in range(1, _signal.NSIG)
            if _signal.getsignal(sig) not in (_signal.SIG_DFL, None)]


# Read once, in the zygote (the runner is imported there as a module); a
# cold python3 runs this file as __main__ and never needs it.
_NOT_DEFAULT = _signals_not_default() if __name__ != "__main__" else []


def _python_signals():
    # The dispositions a fresh python3 starts with (its signal handler
    # installation, which the embedded zygote skips): SIGINT raises
    # KeyboardInterrupt, and SIGPIPE and SIGXFSZ are ignored, so that a
    # write to a closed pipe or past the file size limit raises OSError
    # instead of killing the process, in the script's own forked children
    # too.  First the table is made to match the jail's reset.
    for sig in _NOT_DEFAULT:
        _signal.signal(sig, _signal.SIG_DFL)
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    _signal.signal(_signal.SIGPIPE, _signal.SIG_IGN)
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_IGN)


def prepare():
    """Warm child only: the per-process state a fresh python3 would start
    with, set up before the script is read, so that a child built ahead of
    its request has done it before the request comes.  Once per process;
    raises on failure."""
    if _PREPARED:
        return
    _reseed()
    _python_signals()
    _setup_streams()
    _PREPARED.append(True)


def run(warm=False):
    """Runs the script on fd 3 and reports on fd 4; never returns."""
    try:
        try:
            pid, st = _getpid(), _fstat(4)
        except OSError:
            _exit(3)  # no result channel, so nobody to report to
        try:
            if warm:
                prepare()  # unless a pre-built jail did it already
            else:
                _setup_streams()
            doc = _execute()
        except MemoryError:
            doc = _MEMORY_DOC
        except BaseException as exc:
            doc = _error("internal_error", "pyexec runner failed: " + _describe(exc)[1])
        _finish(doc, pid, (st.st_dev, st.st_ino))
    finally:
        _exit(2)  # reached only if the runner itself is broken


def warmup():
    """Zygote only, before any fork: exercise the preloaded libraries once so
    their lazy imports and caches are filled in the shared pages instead of in
    every execution.  Trusted code; runs as the zygote, never in a jail."""
    if "pandas" in _modules and "numpy" in _modules:
        import numpy as np
        import pandas as pd
        frame = pd.DataFrame({"x": np.arange(8.0), "y": np.arange(8.0) ** 2,
                              "k": list("abababab")})
        frame.describe()
        frame[["x", "y"]].corr()
        frame.groupby("k").sum()
        frame.to_dict()
        frame["x"].mean()
        repr(frame)
        np.random.randn(4)
        np.random.choice(["a", "b"], 4)
    elif "numpy" in _modules:
        import numpy as np
        np.random.randn(4).mean()


def probe_script(kind):
    """Zygote only, at start-up: a trusted script whose run in a plain fork of
    the zygote shows which of its pages an execution writes, so that every
    child can copy them in one pass (src/spawner/hotpages.h).  "base": what
    every execution does; "data": a script using the preloaded libraries
    (None when they are not numpy and pandas: the base set serves)."""
    if kind == "base":
        return 'def main():\n    return {"message": "Hello World"}\n'
    if "pandas" in _modules and "numpy" in _modules:
        return ("import pandas as pd\nimport numpy as np\n\n"
                "def main():\n"
                "    print('Creating sample data...')\n"
                "    data = pd.DataFrame({'x': np.random.randn(100), 'y': np.random.randn(100)})\n"
                "    print(f'Data shape: {data.shape}')\n"
                "    return {'mean_x': float(data['x'].mean()), 'mean_y': float(data['y'].mean()),\n"
                "            'correlation': float(data.corr().iloc[0, 1])}\n")
    if "numpy" in _modules:
        return ("import numpy as np\n\n"
                "def main():\n"
                "    return float(np.random.randn(100).mean())\n")
    return None


if __name__ == "__main__":
    run()
