#!/usr/bin/env python3
"""How far PyTorch float64 autograd moves when the LayerNorm eps is rounded to float32.

    python3 scripts/heal_eps_rounding.py

flar holds `layer_norm_eps` as a Float, so its Float64 pass normalises with
float32(eps) (1e-5 becomes 1e-5 - 2.5e-13). This recomputes the healing
references of Tests/Fixtures/generate_heal.py (the tiny BERT and MPNet
students, the three losses, float64, eager attention, padded batch) with every
LayerNorm's eps replaced by float(np.float32(eps)), and prints per family and
loss the worst relative Frobenius difference of any tensor's gradient from the
committed reference (Tests/Fixtures/heal/<family>_grads.npz; the key biases,
whose true gradient is zero, left out) and the loss's relative difference.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Fixtures"))
import generate_heal as g  # noqa: E402


def main():
    torch.set_num_threads(1)
    for family, spec in g.FAMILIES.items():
        tensors = load_file(os.path.join(g.OUT, family + "_student", "model.safetensors"))
        teacher = g.load_hf(family, spec["dir"])
        student = g.load_hf(family, spec["dir"])
        for stem in spec["low_rank"]:
            dense = g.get_module(student, stem)
            l = torch.tensor(tensors[stem + ".L"].astype(np.float64))
            r = torch.tensor(tensors[stem + ".R"].astype(np.float64))
            g.set_module(student, stem, g.LowRank(l, r, dense.bias.detach().clone()))
        for m in list(student.modules()) + list(teacher.modules()):
            if isinstance(m, torch.nn.LayerNorm):
                m.eps = float(np.float32(m.eps))
        j = json.load(open(os.path.join(g.OUT, family + ".json")))
        tokens, mask = g.padded(j["ids"], spec["pad"])
        reference = np.load(os.path.join(g.OUT, family + "_grads.npz"))
        params = dict(student.named_parameters())
        for loss_name, fn in g.losses(student, teacher, tokens, mask).items():
            student.zero_grad()
            value = fn()
            value.backward()
            worst = 0.0
            for key in reference.files:
                name = key.split(":", 1)[1]
                if not key.startswith(loss_name + ":") or name.endswith(("key.bias", "attn.k.bias")):
                    continue
                want, got = reference[key], params[name].grad.numpy()
                worst = max(worst, np.linalg.norm(got - want) / np.linalg.norm(want))
            loss_change = abs(value.item() - j["loss"][loss_name]) / abs(j["loss"][loss_name])
            print(f"{family} {loss_name}: worst relative gradient difference {worst:.3e}, "
                  f"loss {loss_change:.3e}")


if __name__ == "__main__":
    main()
