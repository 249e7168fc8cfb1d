# attack: bpf(): create a map and load a socket-filter program
# why: seccomp refuses bpf whatever kernel.unprivileged_bpf_disabled says
# expect-result: result == {"map_create": "EPERM", "prog_load": "EPERM"}
# timeout: 3

import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    """A raw system call: "OK" or the errno name it failed with."""
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                             for a in args])
    if rc >= 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


NR_BPF = 321
BPF_MAP_CREATE, BPF_PROG_LOAD = 0, 5
BPF_MAP_TYPE_ARRAY, BPF_PROG_TYPE_SOCKET_FILTER = 2, 1


def main():
    attr = (ctypes.c_uint32 * 32)()
    attr[0], attr[1], attr[2], attr[3] = BPF_MAP_TYPE_ARRAY, 4, 4, 1
    map_create = call(NR_BPF, BPF_MAP_CREATE, ctypes.byref(attr), ctypes.sizeof(attr))
    # "r0 = 0; exit": the smallest valid program.
    insns = (ctypes.c_uint64 * 2)(0x00000000000000b7, 0x0000000000000095)
    lic = ctypes.create_string_buffer(b"GPL")

    class ProgAttr(ctypes.Structure):
        _fields_ = [("prog_type", ctypes.c_uint32), ("insn_cnt", ctypes.c_uint32),
                    ("insns", ctypes.c_uint64), ("license", ctypes.c_uint64),
                    ("pad", ctypes.c_uint8 * 96)]

    pattr = ProgAttr(prog_type=BPF_PROG_TYPE_SOCKET_FILTER, insn_cnt=2,
                     insns=ctypes.addressof(insns), license=ctypes.addressof(lic))
    prog_load = call(NR_BPF, BPF_PROG_LOAD, ctypes.byref(pattr), ctypes.sizeof(pattr))
    return {"map_create": map_create, "prog_load": prog_load}
