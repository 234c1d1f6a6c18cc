#!/usr/bin/env python3
"""Peer timings for `flar-bench linalg`: NumPy/SciPy/scikit-learn on the same data.

Usage: bench_linalg_peer.py DIR [--batch B] [--repeats R]
DIR holds x.npy (tokens x n, float32), w.npy (m x n, float32) and h.npy (n x n, the
shrunk second moment flar factored). Prints one JSON object: per step the seconds
per call of each repeat, with the timeit protocol flar-bench uses (autorange,
whose first pass warms up, R repeats). Set OPENBLAS_NUM_THREADS before starting.
"""
import argparse
import json
import os

import numpy as np
import scipy
import scipy.linalg
import sklearn
from sklearn.covariance import ledoit_wolf
from bench_timeit import measure  # noqa: E402  (scripts/bench_timeit.py)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", default="syrk,gemm,stats,lw,cholesky,svd",
                   help="flar-bench's step names; the peer times those it has a peer for")
    a = p.parse_args()
    x = np.load(os.path.join(a.dir, "x.npy"))
    w = np.load(os.path.join(a.dir, "w.npy"))
    h = np.load(os.path.join(a.dir, "h.npy"))
    n = x.shape[1]
    batches = [x[i:i + a.batch] for i in range(0, x.shape[0], a.batch)]

    def gram():
        g = np.zeros((n, n))
        for b in batches:
            d = b.astype(np.float64)
            g += d.T @ d  # NumPy dispatches Aᵀ@A to syrk
        return g

    xd = x.astype(np.float64)

    def lw():
        return ledoit_wolf(xd, assume_centered=True)

    def chol():
        return np.linalg.cholesky(h)

    s = np.linalg.cholesky(h)
    wd = w.astype(np.float64)

    def whitened_svd():
        u, sig, vt = np.linalg.svd(wd @ s, full_matrices=False)
        z = scipy.linalg.solve_triangular(s, vt.T, lower=True, trans="T").T
        return u, sig, z

    steps = set(a.steps.split(","))
    timings = {}
    if steps & {"syrk", "gemm", "stats"}:
        timings["gram"] = measure(gram, a.repeats)
    if "lw" in steps:
        timings["lw"] = measure(lw, a.repeats)
    if "cholesky" in steps:
        timings["cholesky"] = measure(chol, a.repeats)
    if "svd" in steps:
        timings["whitened_svd"] = measure(whitened_svd, a.repeats)
    from threadpoolctl import threadpool_info
    versions = {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__,
                "blas": [(i["internal_api"], i["version"], i["num_threads"]) for i in threadpool_info()]}
    print(json.dumps({"timings": timings, "versions": versions}))


if __name__ == "__main__":
    main()
