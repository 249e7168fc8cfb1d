"""Conformance of HTTP responses to docs/openapi.json, for the end-to-end tests.

Every response a test receives through e2e_util.Client (and the few tests that
talk HTTP another way: a requests.Session, curl, a raw socket) is handed to
`check_response`, which compares it with the document:

  * the path and method are documented, or the answer is the documented error
    for an unknown one (404 NotFound for a path; 405, or 401 where the path's
    operation needs a key, for a method);
  * the status is documented for the operation (or covered by `NXX`/`default`);
  * every header the response object declares `required` is present, and each
    declared header present satisfies its schema;
  * the Content-Type is one of the documented media types (the documented
    parameters, e.g. `version=0.0.4`, must be there; others may be added);
  * the body parses (JSON strictly: no NaN/Infinity, no duplicate members) and
    validates against the media type's schema.  HEAD answers carry no body.

A failure raises ConformanceError (an AssertionError) where the response was
received, and is also kept so that conftest.py fails the test that received it
even when the error was raised in a helper thread or caught by the test.

The schema validator is a small one written for the subset of JSON Schema that
OpenAPI 3.0 (and 3.1) documents use; `UNSUPPORTED` keywords make it refuse a
schema rather than ignore a constraint silently (see test_openapi_check.py).

Not checked: Daemon.start's readiness poll of /health (it uses requests
directly, and the Daemon class is not this module's to change; the same
endpoint is checked hundreds of times through the Client), and a raw-socket
read that ends before a complete answer (a server closing on a body it will not
read): those are counted as not checkable in the summary line.

The daemon serves the same document at GET /openapi.json (test_operate.py
checks that the two are identical), so the file is read from the repository.
"""

import collections
import json
import os
import re
import threading
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
DOC_PATH = os.path.join(os.path.dirname(os.path.dirname(HERE)), "docs", "openapi.json")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keywords with no effect on validity here (annotations).
ANNOTATIONS = {"description", "title", "example", "examples", "default", "format", "readOnly",
               "writeOnly", "deprecated", "externalDocs", "xml", "discriminator", "$comment"}
# Keywords the validator implements.
SUPPORTED = {"$ref", "type", "nullable", "enum", "const", "allOf", "oneOf", "anyOf", "not",
             "required", "properties", "additionalProperties", "minProperties", "maxProperties",
             "items", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
             "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}


class ConformanceError(AssertionError):
    pass


def _esc(part):
    return part.replace("~", "~0").replace("/", "~1")


def _unesc(part):
    return part.replace("~1", "/").replace("~0", "~")


def _short(v, n=80):
    try:
        s = json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= n else s[:n] + "..."


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "null": lambda v: v is None,
}


def _json_equal(a, b):
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return a == b


class Checker:
    def __init__(self, doc):
        self.doc = doc

    @classmethod
    def from_file(cls, path=DOC_PATH):
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    # -- references

    def deref(self, obj, ptr):
        """(target, its pointer) after following $refs (local ones only)."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("%s: only local $refs are supported: %s" % (ptr, ref))
            cur = self.doc
            for part in ref[2:].split("/"):
                cur = cur[_unesc(part)]
            obj, ptr = cur, ref
            seen += 1
            if seen > 32:
                raise ValueError("$ref loop at %s" % ref)
        return obj, ptr

    def resolve(self, obj):
        return self.deref(obj, "#")[0]

    # -- schemas

    def validate(self, schema, v, where="$", ptr="#"):
        """The ways v does not satisfy schema, each naming the value's place
        (where) and the schema keyword that failed (a JSON pointer)."""
        s, ptr = self.deref(schema, ptr)
        if s is True or s == {}:
            return []
        if s is False:
            return ["%s: no value allowed (schema %s)" % (where, ptr)]
        bad = set(s) - SUPPORTED - ANNOTATIONS
        if bad:
            raise ValueError("schema %s uses keywords the checker does not implement: %s"
                             % (ptr, sorted(bad)))
        errs = []

        def err(kw, msg):
            errs.append("%s: %s (schema %s/%s)" % (where, msg, ptr, kw))

        types = s.get("type")
        if isinstance(types, str):
            types = [types]
        if v is None and (s.get("nullable") is True or (types and "null" in types)):
            return []
        for i, sub in enumerate(s.get("allOf", ())):
            errs += self.validate(sub, v, where, "%s/allOf/%d" % (ptr, i))
        if "oneOf" in s:
            results = [self.validate(sub, v, where, "%s/oneOf/%d" % (ptr, i))
                       for i, sub in enumerate(s["oneOf"])]
            n = sum(1 for r in results if not r)
            if n != 1:
                err("oneOf", "matches %d of %d alternatives, not exactly one%s"
                    % (n, len(results), "" if n else ": " + " | ".join(
                        "; ".join(r[:3]) for r in results)))
        if "anyOf" in s:
            results = [self.validate(sub, v, where, "%s/anyOf/%d" % (ptr, i))
                       for i, sub in enumerate(s["anyOf"])]
            if all(results):
                err("anyOf", "matches none of the alternatives: " +
                    " | ".join("; ".join(r[:3]) for r in results))
        if "not" in s and not self.validate(s["not"], v, where, ptr + "/not"):
            err("not", "matches the schema it must not")
        if types:
            unknown = [t for t in types if t not in _TYPES]
            if unknown:
                raise ValueError("schema %s: unknown type %s" % (ptr, unknown))
            if not any(_TYPES[t](v) for t in types):
                err("type", "%s is not of type %s" % (_short(v), "/".join(types)))
                return errs
        if "enum" in s and not any(_json_equal(e, v) for e in s["enum"]):
            err("enum", "%s is not one of %s" % (_short(v), _short(s["enum"], 200)))
        if "const" in s and not _json_equal(s["const"], v):
            err("const", "%s is not %s" % (_short(v), _short(s["const"])))
        if isinstance(v, str):
            if "minLength" in s and len(v) < s["minLength"]:
                err("minLength", "shorter than %d characters" % s["minLength"])
            if "maxLength" in s and len(v) > s["maxLength"]:
                err("maxLength", "longer than %d characters" % s["maxLength"])
            if "pattern" in s and not re.search(s["pattern"], v):
                err("pattern", "%s does not match %s" % (_short(v), s["pattern"]))
        if _is_number(v):
            lo, hi = s.get("minimum"), s.get("maximum")
            xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
            if lo is not None and (v < lo or (xlo is True and v == lo)):
                err("minimum", "%r is below the minimum %r%s" % (v, lo, " (exclusive)" if xlo is True else ""))
            if hi is not None and (v > hi or (xhi is True and v == hi)):
                err("maximum", "%r is above the maximum %r%s" % (v, hi, " (exclusive)" if xhi is True else ""))
            if _is_number(xlo) and v <= xlo:  # 3.1 style
                err("exclusiveMinimum", "%r is not above %r" % (v, xlo))
            if _is_number(xhi) and v >= xhi:
                err("exclusiveMaximum", "%r is not below %r" % (v, xhi))
            if "multipleOf" in s and (v / s["multipleOf"]) % 1:
                err("multipleOf", "%r is not a multiple of %r" % (v, s["multipleOf"]))
        if isinstance(v, dict):
            props = s.get("properties", {})
            for k in s.get("required", ()):
                if k not in v:
                    err("required", "required member %r is missing" % k)
            if "minProperties" in s and len(v) < s["minProperties"]:
                err("minProperties", "fewer than %d members" % s["minProperties"])
            if "maxProperties" in s and len(v) > s["maxProperties"]:
                err("maxProperties", "more than %d members" % s["maxProperties"])
            extra = s.get("additionalProperties", True)
            for k, sub in v.items():
                place = "%s.%s" % (where, k)
                if k in props:
                    errs += self.validate(props[k], sub, place, "%s/properties/%s" % (ptr, _esc(k)))
                elif extra is False:
                    err("additionalProperties", "member %r is not allowed" % k)
                elif isinstance(extra, dict):
                    errs += self.validate(extra, sub, place, ptr + "/additionalProperties")
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                err("minItems", "fewer than %d items" % s["minItems"])
            if "maxItems" in s and len(v) > s["maxItems"]:
                err("maxItems", "more than %d items" % s["maxItems"])
            if s.get("uniqueItems") and any(_json_equal(a, b) for i, a in enumerate(v)
                                            for b in v[i + 1:]):
                err("uniqueItems", "items are not unique")
            if isinstance(s.get("items"), dict):
                for i, sub in enumerate(v):
                    errs += self.validate(s["items"], sub, "%s[%d]" % (where, i), ptr + "/items")
        return errs

    # -- responses

    def response_for(self, method, path, status):
        """(response object, its pointer, None) for an answer, or (None, None, why not)."""
        method = method.upper()
        paths = self.doc.get("paths", {})
        item = paths.get(path)
        if item is None:
            nf = self.doc.get("components", {}).get("responses", {}).get("NotFound")
            if status == 404 and nf is not None:
                resp, ptr = self.deref(nf, "#/components/responses/NotFound")
                return resp, ptr, None
            return None, None, "path %s is not documented (an unknown path must answer 404)" % path
        item_ptr = "#/paths/" + _esc(path)
        op_name = method.lower()
        if op_name not in item and method == "HEAD" and "get" in item:
            op_name = "get"  # HEAD: GET's answer without the body
        if op_name in item:
            op_ptr = "%s/%s/responses" % (item_ptr, op_name)
            responses = item[op_name].get("responses", {})
            for key in (str(status), "%dXX" % (status // 100), "default"):
                if key in responses:
                    resp, ptr = self.deref(responses[key], "%s/%s" % (op_ptr, key))
                    return resp, ptr, None
            return None, None, "status %d is not documented for %s %s (documented: %s)" % (
                status, op_name.upper(), path, ", ".join(sorted(responses)))
        # a method the path does not have: 405, or 401 first where a key is needed
        if status not in (401, 405):
            return None, None, "%s %s is not documented: expected 405 (or 401), got %d" % (
                method, path, status)
        for name in HTTP_METHODS:
            responses = item.get(name, {}).get("responses", {})
            if str(status) in responses:
                resp, ptr = self.deref(responses[str(status)],
                                       "%s/%s/responses/%d" % (item_ptr, name, status))
                return resp, ptr, None
        return None, None, "%s %s is not documented and no operation of %s documents %d" % (
            method, path, path, status)

    @staticmethod
    def _media_match(documented, ctype):
        got = [p.strip().lower() for p in ctype.split(";") if p.strip()]
        want = [p.strip().lower() for p in documented.split(";") if p.strip()]
        if not got or not want:
            return False
        base_ok = want[0] == got[0] or want[0] == "*/*" or (
            want[0].endswith("/*") and got[0].startswith(want[0][:-1]))
        return base_ok and all(p.replace(" ", "") in [g.replace(" ", "") for g in got[1:]]
                               for p in want[1:])

    def check(self, method, path, status, headers, body):
        """The list of ways an answer departs from the document (empty: conforms).
        headers: a mapping (any case of names); body: bytes."""
        method = method.upper()
        where = "%s %s -> %d" % (method, path, status)
        resp, ptr, why = self.response_for(method, path, status)
        if resp is None:
            return ["%s: %s" % (where, why)]
        hdrs = {k.lower(): v for k, v in headers.items()}
        errs = []
        for name, h in resp.get("headers", {}).items():
            if name.lower() == "content-type":
                continue  # OpenAPI: ignored; the media type is checked below
            h, hptr = self.deref(h, "%s/headers/%s" % (ptr, _esc(name)))
            got = hdrs.get(name.lower())
            if got is None:
                if h.get("required"):
                    errs.append("%s: required header %s is missing (schema %s/required)"
                                % (where, name, hptr))
                continue
            hs = h.get("schema", {})
            t = self.resolve(hs).get("type")
            if t in ("integer", "number"):
                try:
                    got = int(got.strip()) if t == "integer" else float(got.strip())
                except ValueError:
                    pass
            errs += ["%s: %s" % (where, e) for e in
                     self.validate(hs, got, "header %s" % name, hptr + "/schema")]
        content = resp.get("content") or {}
        ctype = hdrs.get("content-type")
        if method == "HEAD":
            if body:
                errs.append("%s: a HEAD answer has a body of %d bytes" % (where, len(body)))
        if not content:
            if body and method != "HEAD":
                errs.append("%s: a body of %d bytes where none is documented (%s)"
                            % (where, len(body), ptr))
            return errs
        if ctype is None:
            return errs + ["%s: no Content-Type; documented: %s (%s/content)"
                           % (where, ", ".join(content), ptr)]
        keys = [k for k in content if self._media_match(k, ctype)]
        if not keys:
            return errs + ["%s: Content-Type %r is not documented; documented: %s (%s/content)"
                           % (where, ctype, ", ".join(content), ptr)]
        if method == "HEAD":
            return errs
        key = keys[0]
        media_ptr = "%s/content/%s" % (ptr, _esc(key))
        base = key.split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            return errs + ["%s: body is not UTF-8: %s" % (where, e)]
        if base == "application/json" or base.endswith("+json"):
            try:
                value = _strict_json(text)
            except ValueError as e:
                return errs + ["%s: body is not JSON (%s): %r" % (where, e, body[:200])]
        else:
            value = text
        schema = content[key].get("schema")
        if schema is not None:
            errs += ["%s: %s" % (where, e)
                     for e in self.validate(schema, value, "$", media_ptr + "/schema")]
        return errs


def _strict_json(text):
    def constant(name):
        raise ValueError("%s is not JSON" % name)

    def pairs(items):
        seen = {}
        for k, v in items:
            if k in seen:
                raise ValueError("duplicate member %r" % k)
            seen[k] = v
        return seen
    return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)


# ---------------------------------------------------------------------------
# raw HTTP/1.1 answers (tests that use a plain socket)


def parse_http_head(data):
    """(status, headers, the bytes after the head) of the first final answer
    in data (interim 1xx answers skipped), or None when its head is not
    complete.  Header names are lower-cased; repeated ones joined by ", "."""
    while True:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ConformanceError("not an HTTP status line: %r" % lines[0])
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            name, colon, val = line.partition(":")
            if not colon:
                raise ConformanceError("malformed header line %r" % line)
            name = name.strip().lower()
            headers[name] = headers[name] + ", " + val.strip() if name in headers else val.strip()
        if not 100 <= status < 200:
            return status, headers, rest
        data = rest


def parse_http_response(data):
    """(status, headers, body) of the first final answer in data, or None when
    data does not hold a complete one."""
    parsed = parse_http_head(data)
    if parsed is None:
        return None
    status, headers, rest = parsed
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line, sep, rest = rest.partition(b"\r\n")
            if not sep:
                return None
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return status, headers, body
            if len(rest) < size + 2:
                return None
            body, rest = body + rest[:size], rest[size + 2:]
    if "content-length" in headers:
        n = int(headers["content-length"])
        if len(rest) < n:
            return None
        return status, headers, rest[:n]
    return status, headers, rest  # delimited by the connection's end


# ---------------------------------------------------------------------------
# the session's checker, its counts and the failures not yet reported


_lock = threading.Lock()
_checker = None
counts = collections.Counter()   # (method, path, status) -> responses checked
unchecked = collections.Counter()  # why -> responses that could not be checked
_pending = []                    # failures since conftest last collected them


def checker():
    global _checker
    with _lock:
        if _checker is None:
            _checker = Checker.from_file()
        return _checker


def check_response(method, path, status, headers, body):
    """Checks one answer against the document; raises ConformanceError naming
    method, path, status and the failing schema keyword."""
    path = urlsplit(path).path or "/"
    errs = checker().check(method, path, status, headers, body or b"")
    with _lock:
        counts[(method.upper(), path, status)] += 1
        if errs:
            _pending.append(errs)
    if errs:
        raise ConformanceError("response does not conform to docs/openapi.json:\n  "
                               + "\n  ".join(errs))


def check_requests_response(r, *args, **kwargs):
    """The same for a requests.Response (also usable as a requests response hook)."""
    check_response(r.request.method, r.request.path_url, r.status_code, r.headers, r.content)
    return r


def check_raw(method, path, data, why_incomplete="incomplete answer"):
    """Checks the answer in the bytes read from a plain socket when it is
    complete; returns (status, headers, body) then, else None (counted as
    unchecked under why_incomplete)."""
    parsed = parse_http_response(data) if data else None
    if parsed is None:
        note_unchecked(why_incomplete)
        return None
    check_response(method, path, *parsed)
    return parsed


def note_unchecked(why):
    with _lock:
        unchecked[why] += 1


def take_failures():
    """The failures recorded since the last call."""
    with _lock:
        out = list(_pending)
        del _pending[:]
    return out


def summary():
    with _lock:
        n, m = sum(counts.values()), len(counts)
        skipped = sum(unchecked.values())
    line = "openapi: %d responses checked, %d distinct (method, path, status)" % (n, m)
    if skipped:
        line += "; %d not checkable (%s)" % (skipped, ", ".join(
            "%s: %d" % kv for kv in sorted(unchecked.items())))
    return line
