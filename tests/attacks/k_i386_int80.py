# attack: dodge the seccomp filter through the i386 ABI: `int 0x80` from a
#    page of machine code, calling i386 unshare(CLONE_NEWUSER) (number 310)
#    and i386 socketcall(socket, AF_INET) (number 102)
# why: the filter must check the architecture: the calls fail (or the i386
#    ABI is off), or the process is killed by SIGSYS/SIGSEGV
# expect-result: all(v < 0 for v in result.values())
# expect-error: killed
# timeout: 3

import ctypes
import mmap

# push rbx; mov eax, NR; mov ebx, edi; mov ecx, esi; int 0x80; pop rbx; ret
CODE = bytes([0x53, 0xb8]) + b"%s" + bytes([0x89, 0xfb, 0x89, 0xf1, 0xcd, 0x80, 0x5b, 0xc3])


def int80(nr, a, b):
    code = CODE.replace(b"%s", nr.to_bytes(4, "little"))
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)(addr)
    rc = fn(a, b)
    del fn
    return rc


def main():
    # socketcall(SYS_SOCKET, args): args point to {AF_INET, SOCK_STREAM, 0} below 4 GiB.
    args = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40)  # MAP_32BIT
    args.write((2).to_bytes(4, "little") + (1).to_bytes(4, "little") + bytes(4))
    argp = ctypes.addressof(ctypes.c_char.from_buffer(args))
    return {"unshare": int80(310, 0x10000000, 0), "socketcall": int80(102, 1, argp)}
