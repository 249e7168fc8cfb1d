# attack: search the whole address space (every readable mapping, through /proc/self/mem)
#    for what the previous execution wrote, and for the daemon's environment (the e2e
#    canary variable's "NAME=" and "=VALUE", as in an environment block)
# pair: memory-seq reader
# start: after writer
# why: a warm jail is a fork of the zygote, which is the spawner: a copy of all the memory
#    the spawner ever wrote to. It collects every execution's outputs in memory it marks
#    MADV_WIPEONFORK (a child gets zeros there), reads scripts only into buffers it wipes,
#    and wiped its argv and environment strings at start-up (util/proctitle.c)
# why: through /proc/self/mem, or (a process that is not dumpable cannot open it) its
#    anonymous mappings read in place
# why: the needles are assembled at run time, and hits inside their own buffers are not
#    counted; this script's text holds the value only after a quote, never the rest
# expect-result: result["mapped_mb"] > 5 and result["unreadable"] < result["regions"]
# why: an ASan build's runtime copies the environment into its own memory before main(),
#    where nothing can wipe it: there (sanitizer_in_jail) only the previous execution counts
# expect-result: result["hits"]["previous"] == []
# expect-result: sanitizer_in_jail or result["hits"]["env_name"] == result["hits"]["env_value"] == []
# timeout: 20
# memory-incidental: it reads its own memory in 16 MiB pieces; under ASan the runtime's own
#    quarantine and shadow make that more than the default limit
# max-seconds: 40

import ctypes

import numpy  # noqa: F401  (warm mode: the zygote with numpy is the spawner itself)

VALUE = "{{CANARY}}"


def main():
    needles = {
        "previous": bytearray(b"x-previous-execution-") + bytearray(b"secret-" + VALUE.encode()),
        "env_name": bytearray(b"PYEXEC_E2E_") + bytearray(b"CANARY="),
        "env_value": bytearray(b"=") + bytearray(VALUE.encode()),
    }
    own = []
    for needle in needles.values():
        start = ctypes.addressof((ctypes.c_char * len(needle)).from_buffer(needle))
        own.append((start, start + len(needle)))
    regions = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            what = parts[5] if len(parts) > 5 else "[anon]"
            # (a readable region over 1 GiB is a sanitizer's shadow reservation, not data)
            if parts[1][0] == "r" and not what.startswith(("[vvar", "[vsyscall")) \
                    and hi - lo <= 1 << 30:
                # anonymous: inode 0 (heap, stack, mmap'd memory) - readable through ctypes too
                regions.append((lo, hi, what, parts[4] == "0"))
    try:
        mem = open("/proc/self/mem", "rb", buffering=0)
    except OSError:
        mem = None  # not dumpable: read anonymous memory directly, where a leak would live

    def read(at, n):
        if mem is not None:
            mem.seek(at)
            return mem.read(n)
        return ctypes.string_at(at, n)

    hits = {k: [] for k in needles}
    unreadable = mapped = 0
    for lo, hi, what, anon in regions:
        if mem is None and not anon:
            continue
        for at in range(lo, hi, 1 << 24):
            try:
                data = read(at, min(1 << 24, hi - at))
            except OSError:
                unreadable += 1
                break
            mapped += len(data)
            for key, needle in needles.items():
                i = data.find(needle)
                while i >= 0 and len(hits[key]) < 10:
                    if not any(s <= at + i < e for s, e in own):
                        hits[key].append("%x %s" % (at + i, what))
                    i = data.find(needle, i + 1)
    return {"hits": hits, "regions": len(regions), "unreadable": unreadable,
            "mapped_mb": mapped >> 20, "proc_self_mem": mem is not None}
