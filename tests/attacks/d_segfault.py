# attack: crash the interpreter: read address 16 through ctypes
# why: a crash is the script's own: killed (SIGSEGV), the daemon unaffected
# expect-error: killed
# expect-body: "SIGSEGV" in body["error"]
# timeout: 3

import ctypes


def main():
    return ctypes.cast(16, ctypes.POINTER(ctypes.c_long))[0]
