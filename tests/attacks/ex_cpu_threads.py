# attack: burn CPU in 16 threads plus the main thread, forever
# why: the wall-clock timeout must stop it, and the cpu cgroup (--cpu-percent
#    100, one core) must keep its CPU time near its wall time
# expect-error: timeout
# expect-body: body["usage"]["cpu_ms"] <= body["usage"]["wall_ms"] * 1.5 + 300
# timeout: 2

import threading


def spin():
    x = 0
    while True:
        x += 1


def main():
    for _ in range(16):
        threading.Thread(target=spin, daemon=True).start()
    spin()
