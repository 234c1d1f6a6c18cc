#!/usr/bin/env python3
"""Generate the latency fixtures of FlarCoreTests (Latency/).

    python3 Tests/Fixtures/generate_latency.py

Writes, into Tests/Fixtures/latency/:
  synthetic.csv        600 rows in the reference's columns
                       (Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,
                       Latency,Min_lat,Lat_recovery), with the reference's
                       trailing comma on the header, as its files have.
  synthetic-sklearn.json  scikit-learn's RandomForestRegressor(n_estimators=100,
                       random_state=0) held-out R^2 and MAE when trained on the
                       first 480 rows and scored on the last 120, plus the spread
                       of R^2 over random_state 0..9 (the margin's justification).

The times are synthetic but shaped like a CPU's: each GEMM costs
max(FLOPs / peak(efficiency), bytes / bandwidth) plus a call overhead, where
the efficiency falls for thin matrices (a rank-8 intermediate runs far below
peak), the bias add is memory-bound, and every time carries 3 % log-normal
noise.  Shapes follow LatencyShapeSampler's rules (batch 1..32, tokens
side^2 (+1), width {96,128} x 2^0..4, out = in x {1,3,4} or in = out x 4, rank at
10..100 % of k_eq rounded to multiples of 8, rows <= 8192, dense FLOPs <= 2e9).
Deterministic: numpy's default_rng(2025).  Version 2: the forest is trained
on the predictor's nine features (features() below, the same as Swift's
LatencyShape.features); "r2_raw_features" keeps scikit-learn's score on the
reference's five for comparison.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error, r2_score

VERSION = 2
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "latency")
rng = np.random.default_rng(2025)

PEAK = 150e9 / 1e3  # FLOP per ms at full efficiency
BANDWIDTH = 20e9 / 1e3  # bytes per ms
OVERHEAD = 0.004  # ms per BLAS call


def gemm_ms(m, n, k):
    eff = min(1.0, k / 96) * min(1.0, n / 48) * min(1.0, m / 32)
    eff = max(eff, 0.04)
    flops = 2.0 * m * n * k
    bytes_ = 4.0 * (m * k + k * n + m * n)
    return OVERHEAD + max(flops / (PEAK * eff), bytes_ / BANDWIDTH)


def bias_ms(m, n):
    return 8.0 * m * n / BANDWIDTH


def noisy(t):
    return t * float(np.exp(rng.normal(0.0, 0.03)))


def shape():
    while True:
        side = int(rng.choice([7, 8, 12, 14, 16, 30, 32]))
        tokens = side * side + int(rng.integers(0, 2))
        width = int(rng.choice([96, 128])) << int(rng.integers(0, 5))
        kind = int(rng.integers(0, 4))
        i, o = [(width, width), (width, 3 * width), (width, 4 * width), (4 * width, width)][kind]
        fits = [b for b in [1, 2, 4, 8, 16, 32]
                if b * tokens <= 8192 and 2.0 * b * tokens * i * o <= 2e9]
        if not fits:
            continue
        batch = int(rng.choice(fits))
        keq = i * o // (i + o)
        frac = float(rng.choice(np.arange(10, 101, 5))) / 100
        rank = max(8, 8 * int(round(frac * keq / 8)))
        return batch, tokens, i, o, rank


def features(b, t, i, o, k):
    """LatencyShape.features: the raw five, rows, k / k_eq, the pair's FLOP
    ratio k (i + o) / (i o), log2 of the dense FLOPs."""
    rows = b * t
    keq = i * o // (i + o)
    return [b, t, i, o, k, rows, k / max(1, keq), k * (i + o) / (i * o), float(np.log2(2.0 * rows * i * o))]


def row():
    b, t, i, o, k = shape()
    m = b * t
    dense = noisy(gemm_ms(m, o, i) + bias_ms(m, o))
    low = lambda r: gemm_ms(m, r, i) + gemm_ms(m, o, r) + bias_ms(m, o)
    one = noisy(low(1))
    rk = noisy(low(k))
    return [b, t, i, o, k, dense, rk, one, (rk - one) / (dense - one)]


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = []
    while len(rows) < 600:
        r = row()
        if r[5] > r[7]:  # keep finite ratios only, as training does
            rows.append(r)
    header = "Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery,"
    with open(os.path.join(OUT, "synthetic.csv"), "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(str(v) for v in r[:5]) + "," + ",".join(repr(float(v)) for v in r[5:]) + "\n")
    data = np.array(rows, dtype=float)
    x, y = np.array([features(*map(int, r[:5])) for r in rows]), data[:, 8]
    train, test = slice(0, 480), slice(480, 600)
    raw = RandomForestRegressor(n_estimators=100, random_state=0).fit(data[train, :5], y[train])
    raw_r2 = r2_score(y[test], raw.predict(data[test, :5]))
    scores = []
    for seed in range(10):
        model = RandomForestRegressor(n_estimators=100, random_state=seed).fit(x[train], y[train])
        pred = model.predict(x[test])
        scores.append((r2_score(y[test], pred), mean_absolute_error(y[test], pred)))
    out = {
        "generator": "Tests/Fixtures/generate_latency.py",
        "version": VERSION,
        "sklearn_version": sklearn.__version__,
        "train_rows": 480,
        "test_rows": 120,
        "r2": scores[0][0],
        "mae": scores[0][1],
        "r2_random_state_0_to_9": [s[0] for s in scores],
        "r2_raw_features": raw_r2,
    }
    with open(os.path.join(OUT, "synthetic-sklearn.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(json.dumps(out, indent=2))
    print("ratio range", y.min(), y.max(), "fraction Y<1:", float(np.mean(y < 1)))


if __name__ == "__main__":
    main()
