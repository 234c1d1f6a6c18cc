#!/usr/bin/env python3
"""One healing (distillation) step of flar against the same step in PyTorch.

    python3 scripts/bench_heal_torch.py STUDENT [--rounds 3] [--steps 10]
        [--threads 2] [--flar .build/release/flar]

STUDENT is a compressed all-MiniLM-L6-v2 saved by flar (`save(c, "out/…")`:
config.json with "flar": {"low_rank": …}, model.safetensors with name.L,
name.R). The step is heal's default: loss "cos" (1 − cosine between the
student's and the dense teacher's mean-pooled, L2-normalised embeddings; the
teacher's embeddings computed once, before the steps), the low-rank factors
L and R trained (everything else frozen), AdamW at lr 1e-4, batch 32
sentences of the first 512 lines of data/calib.txt, truncated to 128 tokens.

PyTorch runs Hugging Face's BertModel (float32, its default SDPA attention)
with each low-rank layer as two nn.Linear without a bias and one bias, on a
batch padded to its longest sentence with an attention mask: the way a
PyTorch user writes this step. flar runs `heal(…, steps=N)` on packed real
tokens and reports each step's wall time (`h.step_seconds`: gradients and
update). Both draw random batches of 32 from the same 512 sentences.

Rounds alternate flar then PyTorch; each reports the median step time of its
N steps after the first (a warm-up). Prints one JSON object.
"""
import argparse
import json
import os
import random
import statistics
import time

import numpy as np
import torch
import transformers
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from flar_heal_step import POOL, flar_heal_step

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEACHER = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
CALIB = os.path.join(ROOT, "data", "calib.txt")


class LowRank(torch.nn.Module):
    def __init__(self, l, r, b):
        super().__init__()
        self.R = torch.nn.Linear(r.shape[1], r.shape[0], bias=False)
        self.L = torch.nn.Linear(l.shape[1], l.shape[0], bias=True)
        with torch.no_grad():
            self.R.weight.copy_(torch.from_numpy(r))
            self.L.weight.copy_(torch.from_numpy(l))
            self.L.bias.copy_(torch.from_numpy(b))

    def forward(self, x):
        return self.L(self.R(x))


def get_module(model, dotted):
    m = model
    for part in dotted.split("."):
        m = m[int(part)] if part.isdigit() else getattr(m, part)
    return m


def load_student(directory):
    cfg = json.load(open(os.path.join(directory, "config.json")))
    ranks = cfg.get("flar", {}).get("low_rank", {})
    tensors = load_file(os.path.join(directory, "model.safetensors"))
    model = transformers.BertModel.from_pretrained(TEACHER)
    for name in ranks:
        parent, _, leaf = name.rpartition(".")
        setattr(get_module(model, parent), leaf,
                LowRank(tensors[name + ".L"], tensors[name + ".R"], tensors[name + ".bias"]))
    state = {k: torch.from_numpy(v) for k, v in tensors.items()
             if not any(k.startswith(n + ".") for n in ranks) and v.dtype.kind == "f"}
    model.load_state_dict(state, strict=False)
    for p in model.parameters():
        p.requires_grad_(False)
    trained = []
    for name in ranks:
        m = get_module(model, name)
        for p in (m.L.weight, m.R.weight):
            p.requires_grad_(True)
            trained.append(p)
    return model.train(False), trained


def padded(encodings, ids):
    longest = max(len(encodings[i]) for i in ids)
    tokens = torch.zeros((len(ids), longest), dtype=torch.long)
    mask = torch.zeros((len(ids), longest), dtype=torch.long)
    for r, i in enumerate(ids):
        tokens[r, :len(encodings[i])] = torch.tensor(encodings[i])
        mask[r, :len(encodings[i])] = 1
    return tokens, mask


def embed(model, tokens, mask):
    h = model(input_ids=tokens, attention_mask=mask).last_hidden_state
    m = mask[:, :, None].to(h.dtype)
    return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=1)


def torch_round(student, trained, teacher_embeddings, encodings, steps, rng):
    opt = torch.optim.AdamW(trained, lr=1e-4, weight_decay=0.0)
    times = []
    for _ in range(steps):
        ids = rng.sample(range(POOL), 32)
        start = time.perf_counter()
        tokens, mask = padded(encodings, ids)
        e = embed(student, tokens, mask)
        loss = (1 - (e * teacher_embeddings[ids]).sum(1)).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("student")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--flar", default=os.path.join(ROOT, ".build", "release", "flar"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tok = Tokenizer.from_file(os.path.join(TEACHER, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    lines = open(CALIB, encoding="utf-8").read().split("\n")[:POOL]
    encodings = [e.ids for e in tok.encode_batch(lines)]
    teacher = transformers.BertModel.from_pretrained(TEACHER).eval()
    with torch.no_grad():
        parts = [embed(teacher, *padded(encodings, list(range(s, min(s + 32, POOL)))))
                 for s in range(0, POOL, 32)]
    teacher_embeddings = torch.cat(parts)
    student, trained = load_student(a.student)
    rng = random.Random(0)
    rounds = []
    for _ in range(a.rounds):
        f = flar_heal_step(a.flar, a.student, a.steps, a.threads)
        t = torch_round(student, trained, teacher_embeddings, encodings, a.steps, rng)
        rounds.append({"flar_s": f, "torch_s": t, "torch_over_flar": t / f})
        print(json.dumps(rounds[-1]), flush=True)
    print(json.dumps({
        "rounds": rounds,
        "median_flar_s": statistics.median(r["flar_s"] for r in rounds),
        "median_torch_s": statistics.median(r["torch_s"] for r in rounds),
        "median_ratio_torch_over_flar": statistics.median(r["torch_over_flar"] for r in rounds),
        "threads": a.threads, "steps_per_round": a.steps, "torch": torch.__version__,
        "transformers": transformers.__version__}, indent=1))


if __name__ == "__main__":
    main()
