#!/usr/bin/env python3
"""FLAR-SVD in plain PyTorch: the peer flar's whole compression is timed against.

    python3 scripts/flar_torch_peer.py [--target 0.5] [--criterion feat_mse]
        [--calib 256] [--search-start 256] [--search 64] [--batch 32]
        [--threads 2] [--out result.json]

The same algorithm as `compress(m, method="flar", target=…)` in flar, written
the way a PyTorch user writes it, on the same safetensors weights and data:

- a hand-written BERT forward (transformers is not needed): padded batches
  (padded to the longest sentence of the batch), additive attention mask,
  F.scaled_dot_product_attention, exact GELU; the end feature is the last
  hidden state of the real tokens;
- calibration: forward hooks on the 36 linear layers, the uncentred second
  moment H = Σ x xᵀ / N of each distinct input over real tokens (query, key
  and value share theirs) and Σ ‖x‖⁴, in float64;
- Ledoit–Wolf shrinkage (sklearn's ledoit_wolf with assume_centered=True),
  Cholesky H_s = S Sᵀ, SVD of W S in float64, factors L = U_k √Σ_k and
  R = √Σ_k V_kᵀ S⁻¹ by a triangular solve;
- threshold: every layer at floor(r · k_eq), τ = e / 36 with the
  end-feature error e = Σ(F_c − F)² / Σ F² (feat_mse_dense, flar's
  default) or / Σ F_c² (feat_mse, the reference code's);
- bisection per layer over multiples of 8 below k_eq (the top candidate
  taken as passing without evaluation, a layer whose answer stays there is
  dense), every candidate a **full re-run** of the whole model on every
  search batch, as the reference code does; the dense F computed once;
- ratio correction: one common factor found by bisection so the total meets
  the target to a rank step per layer, layers the search left dense kept
  dense (the reference's rank map marks them −1).

Prints one JSON object: ranks, τ, the stage times and the batch forward
passes. The whole process (start to result) is what BENCHMARKS.md compares.
"""
import argparse
import json
import math
import os
import time

T0 = time.perf_counter()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
STEP = 8
LINEARS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


class Bert:
    """all-MiniLM-L6-v2's BERT with optional low-rank layers and input hooks."""

    def __init__(self, w, cfg):
        self.w, self.cfg = w, cfg
        self.low_rank = {}  # layer name -> (L, R)
        self.hook = None  # called with (layer name, input rows of real tokens)
        self.mask_rows = None

    def lin(self, x, name):
        if self.hook is not None:
            self.hook(name, x[self.mask_rows])
        b = self.w[name + ".bias"]
        if name in self.low_rank:
            left, right = self.low_rank[name]
            return F.linear(F.linear(x, right), left, b)
        return F.linear(x, self.w[name + ".weight"], b)

    def last_hidden(self, ids, mask):
        w, cfg = self.w, self.cfg
        b, t = ids.shape
        heads, eps, h = cfg["num_attention_heads"], cfg["layer_norm_eps"], cfg["hidden_size"]
        d = h // heads
        self.mask_rows = mask.bool()
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][0]
        x = x + w["embeddings.position_embeddings.weight"][:t]
        x = F.layer_norm(x, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        additive = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for i in range(cfg["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            q, k, v = (self.lin(x, p + "attention.self." + n).view(b, t, heads, d).transpose(1, 2)
                       for n in ("query", "key", "value"))
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=additive).transpose(1, 2).reshape(b, t, h)
            a = F.layer_norm(self.lin(ctx, p + "attention.output.dense") + x, (h,),
                             w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            g = F.gelu(self.lin(a, p + "intermediate.dense"))
            x = F.layer_norm(self.lin(g, p + "output.dense") + a, (h,),
                             w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        return x[self.mask_rows]


def batches(tok, sentences, size, max_len):
    out = []
    for i in range(0, len(sentences), size):
        enc = tok.encode_batch(sentences[i:i + size])
        ids = [e.ids[:max_len] for e in enc]
        longest = max(len(x) for x in ids)
        padded = torch.zeros(len(ids), longest, dtype=torch.long)
        mask = torch.zeros(len(ids), longest, dtype=torch.long)
        for j, x in enumerate(ids):
            padded[j, :len(x)] = torch.tensor(x)
            mask[j, :len(x)] = 1
        out.append((padded, mask))
    return out


def ledoit_wolf(h, fourth, n):
    """sklearn.covariance.ledoit_wolf(X, assume_centered=True)'s λ from H = XᵀX/n and Σ‖x‖⁴."""
    p = h.shape[0]
    mu = torch.trace(h) / p
    delta_ = (h * h).sum()
    delta = (delta_ - 2 * mu * torch.trace(h) + p * mu * mu) / p
    beta = (fourth / n - delta_) / (p * n)
    beta = min(float(beta), float(delta))
    return 0.0 if beta == 0 else beta / float(delta), float(mu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=float, default=0.5)
    ap.add_argument("--criterion", choices=("feat_mse", "feat_mse_dense"), default="feat_mse_dense")
    ap.add_argument("--calib", type=int, default=256)
    ap.add_argument("--search-start", type=int, default=256)
    ap.add_argument("--search", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--maxlen", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    times = {}
    clock = [time.perf_counter()]

    def lap(name):
        now = time.perf_counter()
        times[name] = now - clock[0]
        clock[0] = now

    with torch.inference_mode():
        w = load_file(os.path.join(MODEL, "model.safetensors"))
        with open(os.path.join(MODEL, "config.json")) as f:
            cfg = json.load(f)
        tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        with open(os.path.join(ROOT, "data", "calib.txt")) as f:
            lines = [x for x in f.read().splitlines() if x.strip()]
        calib = lines[:a.calib]
        search = lines[a.search_start:a.search_start + a.search]
        model = Bert(w, cfg)
        names = [f"encoder.layer.{i}.{n}" for i in range(cfg["num_hidden_layers"]) for n in LINEARS]
        lap("load")

        # Calibration: H and Σ‖x‖⁴ per distinct input (Q, K, V share one).
        key = {n: (n.rsplit(".", 1)[0] + ".qkv" if ".attention.self." in n else n) for n in names}
        grams, fourth, count = {}, {}, {}

        def hook(name, rows):
            k = key[name]
            if k in grams and name != k and not name.endswith("query"):
                return
            x = rows.double()
            grams[k] = grams.get(k, 0) + x.T @ x
            fourth[k] = fourth.get(k, 0) + float(((x * x).sum(1) ** 2).sum())
            count[k] = count.get(k, 0) + x.shape[0]

        model.hook = hook
        for ids, mask in batches(tok, calib, a.batch, a.maxlen):
            model.last_hidden(ids, mask)
        model.hook = None
        lap("calibration")

        # Decomposition: shrink, Cholesky, whitened SVD, per layer.
        svds, whiten = {}, {}
        for n in names:
            k = key[n]
            if k not in whiten:
                h = grams[k] / count[k]
                lam, mu = ledoit_wolf(h, fourth[k], count[k])
                hs = (1 - lam) * h + lam * mu * torch.eye(h.shape[0], dtype=h.dtype)
                whiten[k] = torch.linalg.cholesky(hs)
            s = whiten[k]
            wd = w[n + ".weight"].double()
            u, sig, vt = torch.linalg.svd(wd @ s, full_matrices=False)
            # Vᵀ S⁻¹ by a triangular solve: X S = Vᵀ  ⇔  Sᵀ Xᵀ = V.
            z = torch.linalg.solve_triangular(s.T, vt.T, upper=True).T
            svds[n] = (u, sig, z)
        lap("decomposition")

        def factors(n, k):
            u, sig, z = svds[n]
            r = sig[:k].sqrt()
            return ((u[:, :k] * r).float(), (r[:, None] * z[:k]).float())

        def keq(n):
            m, i = w[n + ".weight"].shape
            return m * i // (m + i)

        search_batches = batches(tok, search, a.batch, a.maxlen)
        dense_f = [model.last_hidden(ids, mask) for ids, mask in search_batches]
        dense_sq = sum(float((f.double() ** 2).sum()) for f in dense_f)
        passes = [len(search_batches)]

        def error():
            num = den = 0.0
            for (ids, mask), f in zip(search_batches, dense_f):
                fc = model.last_hidden(ids, mask).double()
                num += float(((fc - f.double()) ** 2).sum())
                den += float((fc ** 2).sum())
                passes[0] += 1
            den = dense_sq if a.criterion == "feat_mse_dense" else den
            return num / den if den > 0 else 0.0

        # Threshold: every layer uniformly at the target.
        for n in names:
            k = int(a.target * keq(n))
            if 1 <= k < keq(n):
                model.low_rank[n] = factors(n, k)
        tau = error() / len(names)
        model.low_rank = {}
        lap("threshold")

        # Bisection, one layer at a time, full re-runs.
        searched, traces = {}, {}
        for n in names:
            lo, hi, cands = 0, keq(n) // STEP, keq(n) // STEP
            traces[n] = []
            while hi - lo > 1:
                mid = (lo + hi) // 2
                model.low_rank = {n: factors(n, mid * STEP)}
                e = error()
                traces[n].append((mid * STEP, e))
                if e <= tau:
                    hi = mid
                else:
                    lo = mid
            model.low_rank = {}
            searched[n] = None if hi >= cands else hi * STEP
        lap("search")

        # Ratio correction, dense layers kept dense.
        dense_cost = {n: w[n + ".weight"].shape[0] * w[n + ".weight"].shape[1] for n in names}
        side = {n: sum(w[n + ".weight"].shape) for n in names}
        biases = sum(w[n + ".bias"].shape[0] for n in names)
        budget = int((sum(dense_cost.values()) + biases) * a.target) - biases

        def assign(c):
            out = {}
            for n in names:
                if searched[n] is None:
                    out[n] = None
                    continue
                k = max(STEP, int(c * searched[n] / STEP) * STEP)
                out[n] = None if k >= keq(n) else k
            return out

        def total(r):
            return sum(dense_cost[n] if r[n] is None else r[n] * side[n] for n in names)

        lo, hi, ranks = 0.0, 1.0, None
        while total(assign(hi)) <= budget:
            if all(v is None for v in assign(hi).values()):
                ranks = assign(hi)
                break
            lo, hi = hi, hi * 2
        if ranks is None:
            for _ in range(60):
                mid = (lo + hi) / 2
                if total(assign(mid)) <= budget:
                    lo = mid
                else:
                    hi = mid
            ranks = assign(lo)
        lap("correction")

        model.low_rank = {n: factors(n, k) for n, k in ranks.items() if k is not None}
        lap("build")

    result = {
        "criterion": a.criterion, "target": a.target, "tau": tau, "ranks": ranks,
        "searched": searched, "traces": traces, "batch_forward_passes": passes[0],
        "kept": total(ranks) / sum(dense_cost.values()), "times": times,
        "process_s": time.perf_counter() - T0, "threads": torch.get_num_threads(),
    }
    text = json.dumps(result)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    print(json.dumps({k: v for k, v in result.items() if k not in ("traces", "searched")}))


if __name__ == "__main__":
    main()
