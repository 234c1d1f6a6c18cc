#!/usr/bin/env python3
"""Writes the fixtures of FlarLinAlgTests and FlarCoreTests into Tests/Fixtures/linalg.

Run from the repository root:  python3 Tests/Fixtures/generate_linalg.py
Needs NumPy, SciPy and scikit-learn (pip install scikit-learn); the tests do not
need Python. Fixed seeds: re-running reproduces the files (up to library
versions, recorded in version.json). Bump FIXTURE_VERSION when the layout changes;
the tests check it.
"""
import json
import os
import warnings

import numpy as np
import scipy
import scipy.linalg
import sklearn
from sklearn.covariance import empirical_covariance, ledoit_wolf, oas

FIXTURE_VERSION = 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linalg")


def save(name, a):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(a))


def linalg_fixtures(rng):
    a = rng.standard_normal((6, 6))
    spd = a @ a.T + 6 * np.eye(6)
    save("spd", spd)
    save("spd_cholesky", np.linalg.cholesky(spd))
    rect = rng.standard_normal((7, 5))
    save("rect", rect)
    u, s, vt = np.linalg.svd(rect, full_matrices=False)
    save("rect_s", s)
    save("rect_cond", np.array(np.linalg.cond(rect)))
    save("spd_eigenvalues", np.linalg.eigvalsh(spd))
    b = rng.standard_normal((6, 4))
    lower = np.linalg.cholesky(spd)
    save("trsm_b", b)
    save("trsm_left", scipy.linalg.solve_triangular(lower, b, lower=True))
    save("trsm_left_t", scipy.linalg.solve_triangular(lower, b, lower=True, trans="T"))


def shrinkage_fixtures(rng):
    """Samples as float32 (what a layer sees), estimators on them in float64."""
    arrays = {}
    cases = {
        "main": (rng.standard_normal((300, 12)) * rng.uniform(0.5, 2, 12) + rng.uniform(-1, 1, 12)),
        "onefeature": rng.standard_normal((50, 1)) + 0.5,
        "onesample": rng.standard_normal((1, 5)),
        "wide": rng.standard_normal((20, 40)) + 0.3,
    }
    for key, x in cases.items():
        x = x.astype(np.float32)
        xd = x.astype(np.float64)
        arrays[key + "_x"] = x
        for tag, centred in (("unc", True), ("cen", False)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cov, lam = ledoit_wolf(xd, assume_centered=centred)
                ocov, olam = oas(xd, assume_centered=centred)
                emp = empirical_covariance(xd, assume_centered=centred)
            arrays[f"{key}_lw_{tag}"] = cov
            arrays[f"{key}_lwlambda_{tag}"] = np.array(lam, dtype=np.float64)
            arrays[f"{key}_oas_{tag}"] = ocov
            arrays[f"{key}_oaslambda_{tag}"] = np.array(olam, dtype=np.float64)
            arrays[f"{key}_emp_{tag}"] = emp
    np.savez(os.path.join(OUT, "shrinkage.npz"), **arrays)


def factorization_fixtures(rng):
    m, n, N, k = 10, 8, 40, 3
    w = rng.standard_normal((m, n)).astype(np.float32)
    x = rng.standard_normal((N, n)).astype(np.float32)
    h = x.astype(np.float64).T @ x.astype(np.float64) / N
    s = np.linalg.cholesky(h)
    u, sig, vt = np.linalg.svd(w.astype(np.float64) @ s, full_matrices=False)
    left = u[:, :k] * np.sqrt(sig[:k])
    right = scipy.linalg.solve_triangular(s.T, (np.sqrt(sig[:k])[:, None] * vt[:k]).T, lower=False).T
    save("fact_w", w)
    save("fact_x", x)
    save("fact_s", sig)
    save("fact_reconstruction_k3", left @ right)
    wd = w.astype(np.float64)
    cos = [0.0]
    for r in range(1, min(m, n) + 1):
        what = (u[:, :r] * sig[:r]) @ vt[:r] @ np.linalg.inv(s)
        cos.append(float(np.sum(wd * what) / np.linalg.norm(wd) / np.linalg.norm(what)))
    save("fact_cosines", np.array(cos))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20250611)
    linalg_fixtures(rng)
    shrinkage_fixtures(rng)
    factorization_fixtures(rng)
    with open(os.path.join(OUT, "version.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "numpy": np.__version__,
                   "scipy": scipy.__version__, "sklearn": sklearn.__version__}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
