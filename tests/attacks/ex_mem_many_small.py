# attack: grow a list of 1 KiB objects until memory runs out
# why: ten million of them would be 10 GB: the cgroup must stop it first
# expect-error: memory_limit
# memory: 64
# timeout: 5

def main():
    hoard = []
    for i in range(10 ** 7):
        hoard.append(b"%08d" % i * 128)
    return len(hoard)
