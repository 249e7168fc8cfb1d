# attack: chdir("..") fifty times from /tmp, and fchdir through a directory fd
#    then .. again; open relative paths that climb above the root
# why: the root is pivot_root'ed: .. of / is /, and the old root is unmounted
# expect-result: result["cwd"] == "/" and result["listing"] == result["root"]
# expect-result: result["fd_cwd"] == "/" and result["climb"] == result["root"]
# timeout: 3

import os


def main():
    for _ in range(50):
        os.chdir("..")
    cwd, listing = os.getcwd(), sorted(os.listdir("."))
    fd = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
    os.fchdir(fd)
    for _ in range(50):
        os.chdir("..")
    fd_cwd = os.getcwd()
    os.close(fd)
    os.chdir("/tmp")
    climb = sorted(os.listdir("../" * 40))
    return {"cwd": cwd, "listing": listing, "fd_cwd": fd_cwd, "climb": climb,
            "root": sorted(os.listdir("/"))}
