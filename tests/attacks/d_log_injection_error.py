# attack: forge daemon log lines through an exception: its message, its type
#    name, its traceback (the daemon may log the error)
# expect-error: runtime_error
# expect-body: "attack_marker" in body["error"] and body["exception_type"].startswith("Forged")
# timeout: 3

FAKE = ('\n{"ts":"2026-01-01T00:00:00.000Z","level":"error","role":"front",'
        '"event":"request","status":"200","attack_marker":"pyexec-attack-inject"}\n')


def main():
    Forged = type("Forged" + FAKE, (Exception,), {})
    raise Forged(FAKE * 3)
