# attack: fork until fork fails; every child stays alive
# why: pids.max (64 per execution, threads included) must stop it with EAGAIN
# expect-result: result["errno"] == "EAGAIN" and 0 < result["forks"] < 64
# timeout: 5
# memory-incidental: the subject is pids.max; 64 processes must fit in the budget

import errno
import os
import time


def main():
    forks = 0
    for _ in range(500):
        try:
            pid = os.fork()
        except OSError as e:
            return {"forks": forks, "errno": errno.errorcode.get(e.errno)}
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        forks += 1
    return {"forks": forks, "errno": None}
