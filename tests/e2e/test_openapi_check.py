"""The conformance checker itself (openapi_check.py) can fail: deliberately
wrong answers are each rejected, for the reason they are wrong, while the
same answers put right are accepted.  Most cases need no daemon.
"""

import copy
import json

import pytest

import e2e_util as u
import openapi_check as oc

OK_SCRIPT = "def main():\n    return 1\n"
RID = {"X-Request-Id": "0123456789abcdef"}
JSON = dict(RID, **{"Content-Type": "application/json"})
TS = "2026-12-01T18:00:00.123Z"

USAGE = {"wall_ms": 1.5, "cpu_ms": 1.0, "peak_memory_bytes": 0, "queue_ms": 0.1, "setup_ms": 3.0}
SUCCESS = {"success": True, "result": {"a": [1, 2]}, "stdout": "", "stderr": "",
           "stdout_truncated": False, "stderr_truncated": False, "timestamp": TS,
           "execution_method": "sandbox", "request_id": "0123456789abcdef", "usage": USAGE}
NOT_FOUND = {"success": False, "error": "no such endpoint", "error_type": "not_found",
             "timestamp": TS, "request_id": "0123456789abcdef"}


@pytest.fixture(scope="module")
def chk():
    return oc.Checker.from_file()


def enc(obj):
    return json.dumps(obj).encode()


def without(d, key):
    return {k: v for k, v in d.items() if k != key}


def rejected(chk, expect, method, path, status, headers, body):
    errs = chk.check(method, path, status, headers, body)
    assert errs, "accepted: %s %s %d %r" % (method, path, status, body[:200])
    text = "\n".join(errs)
    assert expect in text, "rejected, but not for %r:\n%s" % (expect, text)
    # every message names the answer
    assert all(e.startswith("%s %s -> %d: " % (method, path, status)) for e in errs), errs
    return text


def test_right_answers_accepted(chk):
    assert chk.check("POST", "/execute", 200, JSON, enc(SUCCESS)) == []
    assert chk.check("POST", "/execute", 200, JSON, enc(dict(SUCCESS, result=None))) == []
    assert chk.check("GET", "/nope", 404, JSON, enc(NOT_FOUND)) == []
    assert chk.check("GET", "/metrics", 200, dict(RID, **{"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}),
                     b"# TYPE x gauge\nx 1\n") == []
    assert chk.check("POST", "/execute", 429, dict(JSON, **{"Retry-After": "1"}),
                     enc(dict(NOT_FOUND, error_type="queue_full"))) == []


def test_undocumented_status_rejected(chk):
    rejected(chk, "status 418 is not documented", "POST", "/execute", 418, JSON, enc(NOT_FOUND))
    rejected(chk, "status 201 is not documented", "GET", "/health", 201, JSON, b"{}")
    # an unknown path answers 404, an unknown method 405
    rejected(chk, "path /nope is not documented", "GET", "/nope", 200, JSON, enc(SUCCESS))
    rejected(chk, "expected 405", "DELETE", "/execute", 200, JSON, enc(SUCCESS))


def test_missing_required_member_rejected(chk):
    text = rejected(chk, "required member 'usage' is missing", "POST", "/execute", 200, JSON,
                    enc(without(SUCCESS, "usage")))
    assert "#/components/schemas/ExecuteSuccess/required" in text, text
    text = rejected(chk, "required member 'cpu_ms' is missing", "POST", "/execute", 200, JSON,
                    enc(dict(SUCCESS, usage=without(USAGE, "cpu_ms"))))
    assert "$.usage:" in text and "#/components/schemas/Usage/required" in text, text


def test_wrong_type_rejected(chk):
    text = rejected(chk, '"1" is not of type number', "POST", "/execute", 200, JSON,
                    enc(dict(SUCCESS, usage=dict(USAGE, cpu_ms="1"))))
    assert "$.usage.cpu_ms" in text and "#/components/schemas/Usage/properties/cpu_ms/type" in text
    rejected(chk, "is not of type integer", "POST", "/execute", 200, JSON,
             enc(dict(SUCCESS, usage=dict(USAGE, peak_memory_bytes=1.5))))
    rejected(chk, "is not of type boolean", "POST", "/execute", 200, JSON,
             enc(dict(SUCCESS, stdout_truncated=0)))
    rejected(chk, "null is not of type string", "POST", "/execute", 200, JSON,
             enc(dict(SUCCESS, stdout=None)))


def test_wrong_content_type_rejected(chk):
    rejected(chk, "Content-Type 'text/html' is not documented", "POST", "/execute", 200,
             dict(RID, **{"Content-Type": "text/html"}), enc(SUCCESS))
    rejected(chk, "no Content-Type", "POST", "/execute", 200, RID, enc(SUCCESS))
    # a documented parameter must be there
    rejected(chk, "is not documented", "GET", "/metrics", 200,
             dict(RID, **{"Content-Type": "text/plain"}), b"x 1\n")
    rejected(chk, "body is not JSON", "POST", "/execute", 200, JSON, b"{'success': true}")
    rejected(chk, "NaN is not JSON", "POST", "/execute", 200, JSON,
             enc(SUCCESS).replace(b'"result": {"a": [1, 2]}', b'"result": NaN'))
    rejected(chk, "duplicate member", "POST", "/execute", 200, JSON,
             enc(SUCCESS)[:-1] + b', "stdout": ""}')


def test_other_departures_rejected(chk):
    rejected(chk, "member 'extra' is not allowed", "POST", "/execute", 200, JSON,
             enc(dict(SUCCESS, extra=1)))
    rejected(chk, "is not one of", "POST", "/execute", 200, JSON, enc(dict(SUCCESS, success=False)))
    rejected(chk, "does not match", "POST", "/execute", 200, JSON,
             enc(dict(SUCCESS, timestamp="yesterday")))
    rejected(chk, "required header X-Request-Id is missing", "POST", "/execute", 200,
             {"Content-Type": "application/json"}, enc(SUCCESS))
    rejected(chk, "required header Retry-After is missing", "POST", "/execute", 429, JSON,
             enc(dict(NOT_FOUND, error_type="queue_full")))
    rejected(chk, "header Retry-After", "POST", "/execute", 429,
             dict(JSON, **{"Retry-After": "soon"}), enc(dict(NOT_FOUND, error_type="queue_full")))
    rejected(chk, "required header Allow is missing", "PUT", "/health", 405, JSON,
             enc(dict(NOT_FOUND, error_type="method_not_allowed")))
    # per-status error_type, and the body of 400 must be exactly one of two shapes
    rejected(chk, "is not one of", "POST", "/execute", 400, JSON, enc(dict(NOT_FOUND, error_type="timeout")))
    rejected(chk, "matches 0 of 2 alternatives", "POST", "/execute", 400, JSON,
             enc(dict(NOT_FOUND, error_type="invalid_json", stdout="")))
    rejected(chk, "a HEAD answer has a body", "HEAD", "/health", 200, JSON, b"{}")


def test_validator_keywords(chk):
    v = chk.validate
    assert v({"type": ["string", "null"]}, None) == [] and v({"type": ["string", "null"]}, 1)
    assert v({"type": "integer", "nullable": True}, None) == [] and v({"type": "integer"}, None)
    assert v({"type": "integer"}, True) and v({"type": "number"}, False)
    assert v({"enum": [1]}, True) and v({"enum": [1]}, 1.0) == []
    assert v({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5)
    assert v({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 1), "matches both"
    assert v({"items": {"type": "string"}}, ["a", 1]) and v({"minItems": 2}, [1])
    assert v({"type": "number", "minimum": 0, "exclusiveMinimum": True}, 0)
    assert v({"type": "number", "exclusiveMinimum": 0}, 0)
    assert v({"additionalProperties": {"type": "integer"}}, {"a": "x"})
    assert v({"not": {"type": "string"}}, "s")
    with pytest.raises(ValueError, match="does not implement"):
        v({"type": "string", "propertyNames": {"pattern": "x"}}, "s")


def test_document_uses_only_supported_keywords(chk):
    """So that no constraint of the document is silently ignored."""
    def schemas(node, ptr):
        if isinstance(node, dict):
            for k, sub in node.items():
                p = "%s/%s" % (ptr, k)
                if k == "schema" or (ptr.endswith("/components/schemas")):
                    yield p, sub
                else:
                    yield from schemas(sub, p)
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from schemas(sub, "%s/%d" % (ptr, i))

    def keywords(s, ptr, out):
        if not isinstance(s, dict):
            return out
        out.update((k, ptr) for k in s)
        for k in ("allOf", "oneOf", "anyOf"):
            for i, sub in enumerate(s.get(k, ())):
                keywords(sub, "%s/%s/%d" % (ptr, k, i), out)
        for k, sub in s.get("properties", {}).items():
            keywords(sub, "%s/properties/%s" % (ptr, k), out)
        for k in ("items", "additionalProperties", "not"):
            keywords(s.get(k), "%s/%s" % (ptr, k), out)
        return out

    found = set()
    for ptr, s in schemas(chk.doc, "#"):
        found |= keywords(s, ptr, set())
    assert found
    bad = sorted((k, p) for k, p in found if k not in oc.SUPPORTED | oc.ANNOTATIONS)
    assert not bad, bad


def test_raw_answers_parsed():
    raw = (b"HTTP/1.1 404 Not Found\r\nX-Request-Id: abc\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(enc(NOT_FOUND))) + enc(NOT_FOUND)
    status, headers, body = oc.parse_http_response(raw)
    assert status == 404 and headers["x-request-id"] == "abc" and json.loads(body) == NOT_FOUND
    assert oc.parse_http_response(raw[:-1]) is None, "a short body is incomplete"
    assert oc.parse_http_response(raw[:30]) is None
    chunked = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    assert oc.parse_http_response(chunked) == (200, {"transfer-encoding": "chunked"}, b"abcde")


# ---------------------------------------------------------------------------
# with the daemon: real answers, and the Client hook failing for real


def test_real_answers_and_mutations(client, chk):
    r = client.execute(OK_SCRIPT)
    assert chk.check("POST", "/execute", r.status_code, r.headers, r.content) == []
    body = u.json_body(r)
    for bad, why in ((dict(body, extra=1), "not allowed"), (without(body, "usage"), "missing"),
                     (dict(body, usage=dict(body["usage"], cpu_ms="1")), "not of type")):
        rejected(chk, why, "POST", "/execute", 200, r.headers, enc(bad))
    r = client.post_raw(b"nope")
    assert r.status_code == 400 and chk.check("POST", "/execute", 400, r.headers, r.content) == []
    rejected(chk, "is not one of", "POST", "/execute", 400, r.headers,
             enc(dict(r.json(), error_type="timeout")))


def test_client_hook_fails_on_a_wrong_answer(client, monkeypatch):
    """A document that demands a member /health does not have: GET /health
    through the Client must raise, naming the answer and the schema keyword,
    and leave the failure for conftest.py to report."""
    doc = copy.deepcopy(oc.checker().doc)
    doc["components"]["schemas"]["Health"]["required"].append("no_such_member")
    before = oc.counts.copy()
    monkeypatch.setattr(oc, "_checker", oc.Checker(doc))
    try:
        with pytest.raises(oc.ConformanceError) as e:
            client.get("/health")
        msg = str(e.value)
        assert "GET /health -> 200" in msg and "'no_such_member'" in msg, msg
        assert "#/components/schemas/Health/required" in msg, msg
        pending = oc.take_failures()
        assert len(pending) == 1 and "no_such_member" in pending[0][0], pending
    finally:
        oc.take_failures()
        oc.counts.clear()
        oc.counts.update(before)
