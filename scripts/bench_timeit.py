"""The timing protocol the Python peers share with flar-bench's measure().

Imported by scripts/bench_linalg_peer.py and scripts/bench_tokenizer_peer.py
(run as `python3 scripts/NAME.py`, so this directory is on sys.path).
"""

import time


def measure(fn, repeats, minimum=0.2):
    """Per-call seconds of `repeats` timed loops of `fn`.

    The loop count grows until one loop takes at least `minimum` seconds;
    those passes are the warm-up, as in flar-bench's measure().
    """
    loops = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - t0 >= minimum or loops >= 1 << 20:
            break
        loops *= 2
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        out.append((time.perf_counter() - t0) / loops)
    return out
