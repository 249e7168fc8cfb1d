# attack: read kernel memory and logs through /proc: kcore, kmsg, kallsyms
#    addresses, modules, /proc/self/pagemap frame numbers, timer_list
# why: no capability: kcore/kmsg refused or absent, kernel pointers zeroed
# expect-result: result["kcore"] in ("EACCES", "EPERM", "ENOENT")
# expect-result: result["kmsg"] in ("EACCES", "EPERM", "ENOENT")
# expect-result: result["kallsyms_nonzero"] == 0
# expect-result: result["pagemap_pfns"] == 0
# timeout: 3

import ctypes
import errno
import struct


def try_read(path):
    try:
        with open(path, "rb") as f:
            f.read(16)
        return "READ"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main():
    nonzero = 0
    try:
        for line in open("/proc/kallsyms"):
            if int(line.split()[0], 16):
                nonzero += 1
    except OSError:
        pass
    # The frame number of one of our own pages: only CAP_SYS_ADMIN sees it.
    buf = ctypes.create_string_buffer(4096)
    buf[0] = b"x"
    page = ctypes.addressof(buf) // 4096
    pfns = 0
    try:
        with open("/proc/self/pagemap", "rb") as f:
            f.seek(page * 8)
            entry, = struct.unpack("<Q", f.read(8))
            pfns = entry & ((1 << 55) - 1)
    except OSError:
        pass
    return {"kcore": try_read("/proc/kcore"), "kmsg": try_read("/proc/kmsg"),
            "kallsyms_nonzero": nonzero, "pagemap_pfns": pfns,
            "modules": try_read("/proc/modules"), "timer_list": try_read("/proc/timer_list")}
