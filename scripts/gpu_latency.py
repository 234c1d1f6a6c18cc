#!/usr/bin/env python3
"""Measure a latency data set with PyTorch, on a GPU (or any torch device).

    python3 scripts/gpu_latency.py --out models/latency-gpu.csv [--n 1500]
        [--device cuda] [--dtype float16] [--seed 0] [--runs 7] [--threads N]

Writes the reference's CSV columns (reference-notes §5)

    Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery

one row per sampled shape, appended and flushed as soon as it is measured, so
an interrupted run keeps its rows and a second run adds to them (the header is
written only to a new file). flar trains its predictor from the file:

    p = train_latency("models/latency-gpu.csv", hardware="H100, fp16", file="models/latency-gpu.json")
    r = compress(m, method="flar", latency=p)

What is timed, for each shape (batch B, tokens T, in, out, rank k), on
X of shape (B·T, in): the dense layer  Y = X Wᵀ + b  (Og_lat), the rank-k pair
Y = (X Rᵀ) Lᵀ + b (Latency) and the rank-1 pair (Min_lat), all with
torch.nn.functional.linear as a PyTorch runtime computes them. Each form is
warmed up, then timed `--runs` times as loops of at least 10 ms (CUDA events
on a GPU, perf_counter after a synchronise elsewhere); the median per call is
written, in milliseconds. The three forms of a shape are measured in
interleaved repetitions, so a burst of load affects all three alike.
Lat_recovery = (Latency - Min_lat) / (Og_lat - Min_lat).

Shapes follow the reference's rules: batch a power of 2, tokens t² (+0 or 1)
for t in {7, 8, 12, 14, 16, 30, 32}, width {96, 128} × 2^p, out = in × {1, 3,
4} or in = out × 4, rank at 10–100 % of k_eq in steps of 5 %, rounded to a
multiple of 8. --max-batch, --max-power and --max-flops bound the sizes (the
defaults suit a data-centre GPU; flar's own CPU sampler uses 32, 4, 2e9).
"""

import argparse
import math
import os
import random
import statistics
import sys
import time

HEADER = "Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery"


def sample_shape(rng, max_batch, max_power, max_flops):
    """One (batch, tokens, in, out, rank) by the reference's rules."""
    batches = [2 ** b for b in range(0, int(math.log2(max_batch)) + 1)]
    while True:
        side = rng.choice([7, 8, 12, 14, 16, 30, 32])
        tokens = side * side + rng.randint(0, 1)
        width = rng.choice([96, 128]) << rng.randint(0, max_power)
        i, o = rng.choice([(width, width), (width, 3 * width), (width, 4 * width), (4 * width, width)])
        fitting = [b for b in batches if 2.0 * b * tokens * i * o <= max_flops]
        if not fitting:
            continue
        batch = rng.choice(fitting)
        keq = i * o // (i + o)
        fraction = rng.choice(range(10, 101, 5)) / 100
        rank = max(8, 8 * round(fraction * keq / 8))
        return batch, tokens, i, o, rank


class Timer:
    """Median milliseconds per call of a function, timeit-style."""

    def __init__(self, torch, device, runs, min_seconds=0.01):
        self.torch = torch
        self.cuda = device.type == "cuda"
        self.runs = runs
        self.min_seconds = min_seconds

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def loop_seconds(self, fn, loops):
        if self.cuda:
            start = self.torch.cuda.Event(enable_timing=True)
            end = self.torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(loops):
                fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1e3
        self.sync()
        t = time.perf_counter()
        for _ in range(loops):
            fn()
        self.sync()
        return time.perf_counter() - t

    def loops_for(self, fn):
        """timeit.Timer.autorange: 1, 2, 5, 10, 20, 50, … until min_seconds."""
        loops = 1
        while True:
            for factor in (1, 2, 5):
                n = loops * factor
                if self.loop_seconds(fn, n) >= self.min_seconds:
                    return n
            loops *= 10

    def medians(self, fns):
        """Interleaved repetitions of several functions; median ms per call each."""
        for fn in fns:
            fn()
            fn()
        loops = [self.loops_for(fn) for fn in fns]
        times = [[] for _ in fns]
        for _ in range(self.runs):
            for j, fn in enumerate(fns):
                times[j].append(self.loop_seconds(fn, loops[j]) / loops[j] * 1e3)
        return [statistics.median(t) for t in times]


def measure(torch, device, dtype, timer, shape):
    batch, tokens, i, o, k = shape
    F = torch.nn.functional
    with torch.no_grad():
        x = torch.randn(batch * tokens, i, device=device, dtype=dtype)
        w = torch.randn(o, i, device=device, dtype=dtype) / math.sqrt(i)
        b = torch.randn(o, device=device, dtype=dtype)

        def pair(rank):
            r = torch.randn(rank, i, device=device, dtype=dtype) / math.sqrt(i)
            l = torch.randn(o, rank, device=device, dtype=dtype) / math.sqrt(rank)
            return lambda: F.linear(F.linear(x, r), l, b)

        dense = lambda: F.linear(x, w, b)
        og, lat, one = timer.medians([dense, pair(k), pair(1)])
    return og, lat, one


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="CSV to create or append to")
    ap.add_argument("--n", type=int, default=1500, help="shapes to measure (default 1500)")
    ap.add_argument("--device", default="cuda", help="torch device (default cuda)")
    ap.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=7, help="timed repetitions per form (default 7)")
    ap.add_argument("--max-batch", type=int, default=256)
    ap.add_argument("--max-power", type=int, default=4, help="largest p in width = {96,128} x 2^p")
    ap.add_argument("--max-flops", type=float, default=2e11, help="largest dense FLOPs 2·B·T·in·out")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (torch.set_num_threads); on a busy CPU use 1")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()

    try:
        import torch
    except ImportError:
        sys.exit("gpu_latency.py: PyTorch is not installed (pip install torch)")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu_latency.py: no CUDA device; pass --device cpu to measure the CPU")
    dtype = getattr(torch, args.dtype)
    if args.threads:
        torch.set_num_threads(args.threads)
    timer = Timer(torch, device, args.runs)

    # The seed and the rows already in the file decide which shapes come next,
    # so a resumed run continues the same sequence instead of repeating it.
    existing = 0
    if os.path.exists(args.out) and os.path.getsize(args.out) > 0:
        with open(args.out) as f:
            first = f.readline().strip().rstrip(",")
            if first != HEADER:
                sys.exit(f"gpu_latency.py: {args.out}: header is not the latency CSV's:\n  {first}")
            existing = sum(1 for line in f if line.strip())
    rng = random.Random(args.seed)
    for _ in range(existing):
        sample_shape(rng, args.max_batch, args.max_power, args.max_flops)

    with open(args.out, "a") as f:
        if existing == 0 and f.tell() == 0:
            f.write(HEADER + "\n")
            f.flush()
        for n in range(args.n):
            shape = sample_shape(rng, args.max_batch, args.max_power, args.max_flops)
            og, lat, one = measure(torch, device, dtype, timer, shape)
            ratio = (lat - one) / (og - one) if og != one else float("nan")
            f.write(",".join(str(v) for v in shape) + f",{og!r},{lat!r},{one!r},{ratio!r}\n")
            f.flush()
            if not args.quiet:
                print(f"{existing + n + 1}: {shape} dense {og:.4f} ms rank {lat:.4f} ms "
                      f"rank-1 {one:.4f} ms ratio {ratio:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
