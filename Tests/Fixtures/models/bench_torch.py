#!/usr/bin/env python3
"""PyTorch CPU peer for the MiniLM forward benchmark (BENCHMARKS-models.md).

A hand-written BERT in PyTorch (transformers is not installed here), loading
models/all-MiniLM-L6-v2/model.safetensors, run the way Hugging Face runs it:
padded batch, attention mask, F.scaled_dot_product_attention, exact GELU,
mean pooling over the mask, L2 normalisation. Times the same 32 sentences
(Tests/Fixtures/models/sentences.txt, first 32) padded to 128 and padded to
the longest, with the flar timing protocol (2 warm-ups, 15 runs, median).

    python3 Tests/Fixtures/models/bench_torch.py [--threads 2]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")


def forward(w, cfg, ids, mask):
    b, t = ids.shape
    heads = cfg["num_attention_heads"]
    eps = cfg["layer_norm_eps"]
    h = cfg["hidden_size"]
    d = h // heads
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][0]
    x = x + w["embeddings.position_embeddings.weight"][:t]
    x = F.layer_norm(x, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    additive = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    lin = lambda x, n: F.linear(x, w[n + ".weight"], w[n + ".bias"])
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(x, p + "attention.self." + n).view(b, t, heads, d).transpose(1, 2)
                   for n in ("query", "key", "value"))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=additive).transpose(1, 2).reshape(b, t, h)
        a = F.layer_norm(lin(ctx, p + "attention.output.dense") + x, (h,),
                         w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        g = F.gelu(lin(a, p + "intermediate.dense"))
        x = F.layer_norm(lin(g, p + "output.dense") + a, (h,),
                         w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    m = mask[:, :, None].to(x.dtype)
    pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return F.normalize(pooled, p=2, dim=1)


def timed(fn, repeats=15):
    for _ in range(2):
        fn()
    ms = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return ms[len(ms) // 2], ms[0], ms[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(MODEL, "config.json")))
    w = load_file(os.path.join(MODEL, "model.safetensors"))
    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.enable_truncation(max_length=128)
    sentences = open(os.path.join(ROOT, "Tests/Fixtures/models/sentences.txt")).read().splitlines()[:32]
    ref = np.load(os.path.join(ROOT, "Tests/Fixtures/models/minilm_embeddings.npy"))[:32]
    for pad in ("128", "longest"):
        if pad == "128":
            tok.enable_padding(length=128)
        else:
            tok.enable_padding()
        enc = tok.encode_batch(sentences)
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        with torch.inference_mode():
            out = forward(w, cfg, ids, mask)
            err = float(np.abs(out.numpy() - ref).max())
            med, lo, hi = timed(lambda: forward(w, cfg, ids, mask), args.repeats)
        print(f"torch {torch.__version__} forward, B=32 padded to {pad} (T={ids.shape[1]}, "
              f"{int(mask.sum())} real tokens), {args.threads} threads: median {med:.1f} ms "
              f"(min {lo:.1f}, max {hi:.1f}); max abs err vs float64 reference {err:.2e}")


if __name__ == "__main__":
    main()
