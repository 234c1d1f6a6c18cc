#!/usr/bin/env python3
"""Generates the healing fixtures in Tests/Fixtures/heal/ with PyTorch autograd.

Run from the repository root after generate_models.py and generate_mpnet.py
(needs Tests/Fixtures/models/tiny and Tests/Fixtures/mpnet/tiny), with torch,
numpy, safetensors and transformers installed:

    python3 Tests/Fixtures/generate_heal.py
    python3 Tests/Fixtures/generate_heal.py --minilm-float64   # minilm_float64.npz alone

For each family (the tiny random BERT and the tiny random MPNet), a student is
made from the dense tiny model by replacing four linear layers with random
low-rank pairs y = L (R x) + b (ranks 5 to 9; the other eight stay dense), and
saved as a flar model directory (config.json with "flar": {"low_rank": ...},
model.safetensors with name.L, name.R, name.bias). The teacher is the dense
tiny model. The student runs as Hugging Face's own BertModel / MPNetModel in
float64 with eager attention on a right-padded batch, each low-rank layer a
pair of nn.Linear, so the reference shares neither code nor the packed layout
with flar. Gradients come from autograd.

Losses, on one batch of 10 sequences of random token ids (3 to 17 tokens):
  cos          mean over sequences of 1 - cos(e_s, t_s), e and t the mean-pooled
               L2-normalised embeddings of student and teacher
  mse          mean over real tokens and features of (h - h_teacher)^2 on the
               last hidden states
  contrastive  the symmetric in-batch ranking loss (scale 20) of the first 5
               sequences against the last 5, as generate_fisher.py defines it

Writes, under Tests/Fixtures/heal/:
  <family>_student/       the student model directory
  <family>.json           token ids, loss values, parameter names
  <family>_grads.npz      float64 dL/dtheta per loss and parameter, keys
                          "<loss>:<tensor name>": every L, R, dense weight,
                          linear bias and block LayerNorm weight and bias
  minilm.json             the real-model check: all-MiniLM-L6-v2 (models/, after
                          scripts/setup.sh) with two layers replaced by their
                          truncated SVD (query of block 0 at rank 32,
                          intermediate of block 3 at rank 16), the first 8
                          lines of data/calib.txt, their token ids, the cos loss
  minilm.npz              float32: the factors ("<layer>.L", "<layer>.R") and
                          the cos loss's gradient of both pairs, of block 3's
                          intermediate bias and of block 5's output LayerNorm
                          weight ("grad:<tensor name>"), float64 autograd
  minilm_float64.npz      the same gradients unrounded, float64 ("grad:<tensor
                          name>"), for flar's Float64 pass
  adamw.npz               torch.optim.AdamW trajectories on 7 parameters over
                          6 steps of fixed gradients, with LambdaLR warm-up
                          then linear or cosine decay, weight decay 0 and 0.1
  manifest.json           format version, generator, library versions
"""
import json
import math
import os
import shutil
import sys

import numpy as np
import safetensors
import torch
import transformers
from safetensors.numpy import load_file, save_file

FORMAT_VERSION = 1
SEED = 17
SCALE = 20.0
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "heal")
FAMILIES = {
    "bert": {
        "dir": os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny"),
        "low_rank": {"encoder.layer.0.attention.self.query": 6,
                     "encoder.layer.0.intermediate.dense": 7,
                     "encoder.layer.1.attention.self.key": 5,
                     "encoder.layer.1.output.dense": 9},
        "norms": ("attention.output.LayerNorm", "output.LayerNorm"),
        "pad": 0, "cls": 2, "sep": 3,
    },
    "mpnet": {
        "dir": os.path.join(ROOT, "Tests", "Fixtures", "mpnet", "tiny"),
        "low_rank": {"encoder.layer.0.attention.attn.q": 6,
                     "encoder.layer.0.intermediate.dense": 7,
                     "encoder.layer.1.attention.attn.k": 5,
                     "encoder.layer.1.output.dense": 9},
        "norms": ("attention.LayerNorm", "output.LayerNorm"),
        "pad": 1, "cls": 0, "sep": 2,
    },
}
LINEAR = {"bert": ("attention.self.query", "attention.self.key", "attention.self.value",
                   "attention.output.dense", "intermediate.dense", "output.dense"),
          "mpnet": ("attention.attn.q", "attention.attn.k", "attention.attn.v",
                    "attention.attn.o", "intermediate.dense", "output.dense")}


class LowRank(torch.nn.Module):
    """y = L (R x) + b."""

    def __init__(self, l, r, b):
        super().__init__()
        self.L = torch.nn.Parameter(l)
        self.R = torch.nn.Parameter(r)
        self.bias = torch.nn.Parameter(b)

    def forward(self, x):
        return (x @ self.R.T) @ self.L.T + self.bias


def get_module(model, dotted):
    m = model
    for part in dotted.split("."):
        m = m[int(part)] if part.isdigit() else getattr(m, part)
    return m


def set_module(model, dotted, new):
    parent, _, leaf = dotted.rpartition(".")
    setattr(get_module(model, parent), leaf, new)


def load_hf(family, directory):
    cls = transformers.BertModel if family == "bert" else transformers.MPNetModel
    model = cls.from_pretrained(directory, attn_implementation="eager")
    return model.double().eval()


def make_student(family, spec, rng):
    """Writes the student directory; returns its float32 tensors by name."""
    weights = load_file(os.path.join(spec["dir"], "model.safetensors"))
    out = {}
    for name, value in weights.items():
        stem = name.rsplit(".", 1)[0]
        if stem in spec["low_rank"] and name.endswith(".weight"):
            k = spec["low_rank"][stem]
            rows, cols = value.shape
            out[stem + ".L"] = (0.4 * rng.standard_normal((rows, k))).astype(np.float32)
            out[stem + ".R"] = (0.4 * rng.standard_normal((k, cols))).astype(np.float32)
        else:
            out[name] = value
    d = os.path.join(OUT, family + "_student")
    if os.path.exists(d):
        shutil.rmtree(d)
    shutil.copytree(spec["dir"], d)
    save_file(out, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    cfg = json.load(open(os.path.join(d, "config.json")))
    cfg["flar"] = {"low_rank": spec["low_rank"]}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return out


def batch_ids(spec, vocab, rng):
    lengths = [3, 17, 5, 9, 12, 4, 15, 7, 10, 6]
    specials = {spec["pad"], spec["cls"], spec["sep"]}
    choices = [i for i in range(vocab) if i not in specials and i > 4]
    return [[spec["cls"]] + [int(rng.choice(choices)) for _ in range(n - 2)] + [spec["sep"]]
            for n in lengths]


def padded(ids, pad):
    longest = max(len(s) for s in ids)
    tokens = torch.full((len(ids), longest), pad, dtype=torch.long)
    mask = torch.zeros((len(ids), longest), dtype=torch.long)
    for r, s in enumerate(ids):
        tokens[r, :len(s)] = torch.tensor(s)
        mask[r, :len(s)] = 1
    return tokens, mask


def states_and_embeddings(model, tokens, mask):
    h = model(input_ids=tokens, attention_mask=mask).last_hidden_state
    m = mask[:, :, None].double()
    pooled = (h * m).sum(1) / m.sum(1)
    return h, torch.nn.functional.normalize(pooled, p=2, dim=1)


def losses(student, teacher, tokens, mask):
    with torch.no_grad():
        th, te = states_and_embeddings(teacher, tokens, mask)
    m = mask.bool()

    def cos():
        _, e = states_and_embeddings(student, tokens, mask)
        return (1 - (e * te).sum(1)).mean()

    def mse():
        h, _ = states_and_embeddings(student, tokens, mask)
        return ((h - th) ** 2)[m].mean()

    def contrastive():
        _, e = states_and_embeddings(student, tokens, mask)
        n = e.shape[0] // 2
        scores = SCALE * e[:n] @ e[n:].T
        labels = torch.arange(n)
        ce = torch.nn.functional.cross_entropy
        return (ce(scores, labels) + ce(scores.T, labels)) / 2

    return {"cos": cos, "mse": mse, "contrastive": contrastive}


def family_fixture(family, spec, rng):
    tensors = make_student(family, spec, rng)
    teacher = load_hf(family, spec["dir"])
    student = load_hf(family, spec["dir"])
    for stem, k in spec["low_rank"].items():
        dense = get_module(student, stem)
        l = torch.tensor(tensors[stem + ".L"].astype(np.float64))
        r = torch.tensor(tensors[stem + ".R"].astype(np.float64))
        set_module(student, stem, LowRank(l, r, dense.bias.detach().clone()))
    params = {}
    layers = student.config.num_hidden_layers
    for i in range(layers):
        for suffix in LINEAR[family]:
            stem = f"encoder.layer.{i}.{suffix}"
            module = get_module(student, stem)
            parts = ("L", "R", "bias") if stem in spec["low_rank"] else ("weight", "bias")
            for p in parts:
                params[stem + "." + p] = getattr(module, p)
        for norm in spec["norms"]:
            module = get_module(student, f"encoder.layer.{i}.{norm}")
            params[f"encoder.layer.{i}.{norm}.weight"] = module.weight
            params[f"encoder.layer.{i}.{norm}.bias"] = module.bias
    for name, p in params.items():
        if name in tensors:  # the student's float32 values, exactly as flar reads them
            assert np.array_equal(p.detach().numpy().astype(np.float32), tensors[name]), name
    ids = batch_ids(spec, student.config.vocab_size, rng)
    tokens, mask = padded(ids, spec["pad"])
    values, grads = {}, {}
    for loss_name, fn in losses(student, teacher, tokens, mask).items():
        student.zero_grad()
        value = fn()
        value.backward()
        values[loss_name] = value.item()
        for name, p in params.items():
            grads[loss_name + ":" + name] = p.grad.detach().numpy().copy()
    np.savez(os.path.join(OUT, family + "_grads.npz"), **grads)
    with open(os.path.join(OUT, family + ".json"), "w") as f:
        json.dump({"ids": ids, "loss": values, "parameters": list(params),
                   "low_rank": spec["low_rank"], "scale": SCALE}, f, indent=1)


MINILM = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
MINILM_LOW_RANK = {"encoder.layer.0.attention.self.query": 32,
                   "encoder.layer.3.intermediate.dense": 16}
MINILM_TENSORS = ["encoder.layer.0.attention.self.query.L",
                  "encoder.layer.0.attention.self.query.R",
                  "encoder.layer.3.intermediate.dense.L", "encoder.layer.3.intermediate.dense.R",
                  "encoder.layer.3.intermediate.dense.bias",
                  "encoder.layer.5.output.LayerNorm.weight"]


def minilm_fixture(float64_only=False):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(MINILM, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    lines = open(os.path.join(ROOT, "data", "calib.txt"), encoding="utf-8").read().split("\n")[:8]
    ids = [e.ids for e in tok.encode_batch(lines)]
    teacher = load_hf("bert", MINILM)
    student = load_hf("bert", MINILM)
    out = {}
    for stem, k in MINILM_LOW_RANK.items():
        dense = get_module(student, stem)
        w = dense.weight.detach().numpy().astype(np.float32)
        u, sv, vt = np.linalg.svd(w.astype(np.float64), full_matrices=False)
        l = (u[:, :k] * sv[:k]).astype(np.float32)
        r = vt[:k].astype(np.float32)
        out[stem + ".L"], out[stem + ".R"] = l, r
        set_module(student, stem, LowRank(torch.tensor(l.astype(np.float64)),
                                          torch.tensor(r.astype(np.float64)),
                                          dense.bias.detach().clone()))
    tokens, mask = padded(ids, 0)
    value = losses(student, teacher, tokens, mask)["cos"]()
    value.backward()
    exact = {}
    for name in MINILM_TENSORS:
        stem, _, part = name.rpartition(".")
        exact["grad:" + name] = getattr(get_module(student, stem), part).grad.numpy().copy()
        out["grad:" + name] = exact["grad:" + name].astype(np.float32)
    np.savez(os.path.join(OUT, "minilm_float64.npz"), **exact)
    if float64_only:
        return
    np.savez(os.path.join(OUT, "minilm.npz"), **out)
    with open(os.path.join(OUT, "minilm.json"), "w") as f:
        json.dump({"lines": lines, "ids": ids, "loss": {"cos": value.item()},
                   "low_rank": MINILM_LOW_RANK, "tensors": MINILM_TENSORS}, f, indent=1)


def adamw_fixture(rng):
    p0 = rng.standard_normal(7)
    grads = rng.standard_normal((6, 7))
    out = {"p0": p0, "grads": grads}
    for schedule in ("linear", "cosine"):
        for wd in (0.0, 0.1):
            p = torch.nn.Parameter(torch.tensor(p0))
            opt = torch.optim.AdamW([p], lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
            total, warmup = 6, 2

            def factor(step):
                if step < warmup:
                    return (step + 1) / (warmup + 1)
                progress = (step - warmup + 1) / (total - warmup + 1)
                if schedule == "linear":
                    return 1 - progress
                return 0.5 * (1 + math.cos(math.pi * progress))

            sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
            path = []
            for g in grads:
                p.grad = torch.tensor(g)
                opt.step()
                sched.step()
                path.append(p.detach().numpy().copy())
            out[f"{schedule}_{wd}"] = np.array(path)
    np.savez(os.path.join(OUT, "adamw.npz"), **out)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)
    if sys.argv[1:] == ["--minilm-float64"]:
        minilm_fixture(float64_only=True)
        return
    rng = np.random.default_rng(SEED)
    for family, spec in FAMILIES.items():
        family_fixture(family, spec, rng)
    adamw_fixture(rng)
    minilm_fixture()
    manifest = {"format_version": FORMAT_VERSION, "generator": "Tests/Fixtures/generate_heal.py",
                "python": sys.version.split()[0], "torch": torch.__version__,
                "numpy": np.__version__, "transformers": transformers.__version__,
                "safetensors": safetensors.__version__, "seed": SEED}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
