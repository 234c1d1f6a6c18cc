#!/usr/bin/env python3
"""Two builds of flar side by side: the MiniLM forward pass and one healing step.

    python3 scripts/bench_builds.py BEFORE_DIR AFTER_DIR [--rounds 5] [--steps 10]
        [--student out/bench-heal/svd_llm50] [--threads 2]

BEFORE_DIR and AFTER_DIR each hold a `flar` and a `flar-bench` binary (copies of
.build/release/ of the two commits). Each round runs, for both builds (the order
alternating round by round):

  forward  `flar-bench forward --threads T --repeats 15`: one batch of the 32
           fixture sentences through all-MiniLM-L6-v2 (packed real tokens); the
           median of its 15 repeats.
  heal     `heal(s, text(calib, limit=512), teacher=m, steps=N, held_out=64,
           eval_every=100000)` on STUDENT (a compressed MiniLM saved by flar),
           OPENBLAS_NUM_THREADS=T: the median of `h.step_seconds` over steps
           2..N (the first is a warm-up), as scripts/bench_heal_torch.py times it.

Prints one line per measurement and a JSON summary: per-round after/before
ratios and their medians (below 1: the after build is faster).
"""
import argparse
import json
import os
import re
import statistics
import subprocess

from flar_heal_step import flar_heal_step

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}


def forward(build, threads):
    out = subprocess.run(
        [os.path.join(build, "flar-bench"), "forward", "--threads", str(threads),
         "--repeats", "15"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("forward"))
    value, unit = re.search(r"median ([\d.]+) (\S+) \(", line).groups()
    return float(value) * UNITS[unit]


def heal(build, student, steps, threads):
    return flar_heal_step(os.path.join(build, "flar"), student, steps, threads)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--student", default=os.path.join(ROOT, "out", "bench-heal", "svd_llm50"))
    a = ap.parse_args()
    rounds = []
    for r in range(a.rounds):
        order = [("before", a.before), ("after", a.after)]
        if r % 2:
            order.reverse()
        row = {}
        for name, build in order:
            row["forward_" + name] = forward(build, a.threads)
            print(f"round {r} forward {name}: {row['forward_' + name] * 1e3:.1f} ms", flush=True)
        for name, build in order:
            row["heal_" + name] = heal(build, a.student, a.steps, a.threads)
            print(f"round {r} heal step {name}: {row['heal_' + name]:.3f} s", flush=True)
        row["forward_after_over_before"] = row["forward_after"] / row["forward_before"]
        row["heal_after_over_before"] = row["heal_after"] / row["heal_before"]
        row["load_average"] = os.getloadavg()[0]
        rounds.append(row)
    summary = {"rounds": rounds}
    for k in ("forward_after_over_before", "heal_after_over_before", "forward_before",
              "forward_after", "heal_before", "heal_after"):
        summary["median_" + k] = statistics.median(r[k] for r in rounds)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
