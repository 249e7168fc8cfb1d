# attack: np.ones(10**9): 8 GB of float64 with a 96 MB limit
# expect-error: memory_limit
# memory: 96
# timeout: 6

import numpy as np


def main():
    a = np.ones(10 ** 9)
    return float(a.sum())
