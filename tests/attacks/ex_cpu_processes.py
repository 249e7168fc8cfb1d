# attack: burn CPU in 8 forked processes plus the main one, forever
# why: processes escape neither the timeout nor the one-core cpu limit
# expect-error: timeout
# expect-body: body["usage"]["cpu_ms"] <= body["usage"]["wall_ms"] * 1.5 + 300
# timeout: 2

import os


def spin():
    x = 0
    while True:
        x += 1


def main():
    for _ in range(8):
        if os.fork() == 0:
            spin()
    spin()
