# attack: forge an error document claiming the sandbox broke (sandbox_error,
#    a 500) or a timeout, then os._exit(0)
# why: the daemon accepts from the channel only the error types the runner
#    can produce; anything else becomes runtime_error, never a 500
# expect-error: runtime_error result_invalid
# timeout: 3

import os


def main():
    os.write(4, b'{"ok":false,"error_type":"sandbox_error","error":"jail setup failed",'
                b'"stage":"seccomp","status":500}')
    os._exit(0)
