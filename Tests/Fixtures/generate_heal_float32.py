#!/usr/bin/env python3
"""The float32 floor of the healing gradients: PyTorch's own float32 autograd
against the float64 fixtures of generate_heal.py.

HealGradientTests compares flar's Float32 backward pass with PyTorch float64
autograd (Tests/Fixtures/heal/, from generate_heal.py) by the relative
Frobenius error ||g - g64||_F / ||g64||_F of each tensor. This script runs the
same computation in PyTorch float32: Hugging Face's BertModel / MPNetModel with
eager attention, the same float32 weights and low-rank students, the same token
ids and losses, the teacher's targets in float32 as flar computes them. It
reports the same errors against the same fixtures: what a float32 pass of a
mature library reaches on these tensors.

Run from the repository root after generate_heal.py and scripts/setup.sh (the
real model), with torch, numpy, safetensors and transformers installed:

    python3 Tests/Fixtures/generate_heal_float32.py [--tensors] [--storage] [--arithmetic]

Writes Tests/Fixtures/heal/float32_floor.json:
  worst         per "<family> <loss>": the worst relative error over every
                tensor the test checks (the key biases, whose true gradient is
                zero, are left out as the test leaves them out of its worst)
  worst_tensor  the tensor where it is
  minilm        the error of each of the real model's six tensors
and prints them. --tensors prints every tensor's error.

Two attributions, printed only (float64 models of the tiny configs):
  --storage     float64 arithmetic, with only the tensors a Float32 pass keeps
                between ops (linear outputs, LayerNorm outputs, GELU outputs,
                attention probabilities) rounded to float32: on the way
                forward, on the way back, or both
  --arithmetic  float64, with the ops of one kind computed in float32 forward
                and backward (linear layers: their GEMMs; LayerNorm; GELU;
                attention: scores, softmax and P V)
"""
import json
import math
import os
import sys

import numpy as np
import torch
import transformers
import transformers.models.bert.modeling_bert as hf_bert
import transformers.models.mpnet.modeling_mpnet as hf_mpnet
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_heal as gh  # noqa: E402  (the fixtures' own specs and modules)

GENERATOR = "Tests/Fixtures/generate_heal_float32.py"
HEAL = gh.OUT
KEY = {"bert": "attention.self.key", "mpnet": "attention.attn.k"}
LOSSES = ("cos", "mse", "contrastive")
HF_EAGER = hf_bert.eager_attention_forward


def load(family, directory, dtype):
    cls = transformers.BertModel if family == "bert" else transformers.MPNetModel
    model = cls.from_pretrained(directory, attn_implementation="eager")
    return model.to(dtype).eval()


def embeddings(model, tokens, mask):
    h = model(input_ids=tokens, attention_mask=mask).last_hidden_state
    m = mask[:, :, None].to(h.dtype)
    pooled = (h * m).sum(1) / m.sum(1)
    return h, torch.nn.functional.normalize(pooled, p=2, dim=1)


def loss_value(name, student, teacher, tokens, mask, scale):
    """generate_heal.py's losses, in the models' own dtype."""
    with torch.no_grad():
        th, te = embeddings(teacher, tokens, mask)
    h, e = embeddings(student, tokens, mask)
    if name == "cos":
        return (1 - (e * te).sum(1)).mean()
    if name == "mse":
        return ((h - th) ** 2)[mask.bool()].mean()
    n = e.shape[0] // 2
    scores = scale * e[:n] @ e[n:].T
    labels = torch.arange(n)
    ce = torch.nn.functional.cross_entropy
    return (ce(scores, labels) + ce(scores.T, labels)) / 2


def student_model(family, directory, factors, low_rank, dtype):
    student = load(family, directory, dtype)
    for stem in low_rank:
        dense = gh.get_module(student, stem)
        l = torch.tensor(factors[stem + ".L"]).to(dtype)
        r = torch.tensor(factors[stem + ".R"]).to(dtype)
        gh.set_module(student, stem, gh.LowRank(l, r, dense.bias.detach().clone()))
    return student


class Rounded(torch.autograd.Function):
    """Identity that rounds its value (forward) and its gradient (backward)
    to float32, each when asked."""

    @staticmethod
    def forward(ctx, x, forward, backward):
        ctx.backward = backward
        return x.float().double() if forward else x.clone()

    @staticmethod
    def backward(ctx, g):
        return (g.float().double() if ctx.backward else g), None, None


def kind(module):
    if isinstance(module, (torch.nn.Linear, gh.LowRank)):
        return "linear"
    if isinstance(module, torch.nn.LayerNorm):
        return "norm"
    if type(module).__name__ == "GELUActivation":
        return "gelu"
    return None


def f32(t):
    return None if t is None else t.float()


def attention_core(q, k, v, scale, bias, mask, arithmetic, rounding):
    """Scores, softmax and P V of (B, A, T, D) heads; in float32 when
    `arithmetic`, the probabilities rounded to float32 as `rounding` asks."""
    if arithmetic:
        q, k, v, bias, mask = f32(q), f32(k), f32(v), f32(bias), f32(mask)
    s = torch.matmul(q, k.transpose(-1, -2)) * scale
    if bias is not None:
        s = s + bias
    if mask is not None:
        s = s + mask
    p = torch.nn.functional.softmax(s, dim=-1)
    if rounding:
        p = Rounded.apply(p, *rounding)
    return torch.matmul(p, v).double(), p.double()


def patch_attention(model, arithmetic, rounding):
    """Hugging Face's eager attention of both families, with attention_core."""

    def bert(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
        scale = query.size(-1) ** -0.5 if scaling is None else scaling
        c, p = attention_core(query, key, value, scale, None, attention_mask, arithmetic, rounding)
        return c.transpose(1, 2).contiguous(), p

    def mpnet(self, hidden_states, attention_mask=None, position_bias=None, **kwargs):
        shape = (*hidden_states.shape[:-1], -1, self.attention_head_size)
        q, k, v = (f(hidden_states).view(shape).transpose(1, 2) for f in (self.q, self.k, self.v))
        c, _ = attention_core(q, k, v, 1 / math.sqrt(self.attention_head_size), position_bias,
                              attention_mask, arithmetic, rounding)
        c = c.permute(0, 2, 1, 3).contiguous()
        return (self.o(c.view(*c.size()[:-2], self.all_head_size)),)

    hf_bert.eager_attention_forward = bert
    for module in model.modules():
        if isinstance(module, hf_mpnet.MPNetSelfAttention):
            module.forward = mpnet.__get__(module)


def round_storage(model, kinds, forward, backward):
    """Float64 arithmetic, with the outputs of the ops of `kinds` (and their
    gradients) rounded to float32."""
    for module in model.modules():
        if kind(module) in kinds:
            module.register_forward_hook(lambda m, i, out: Rounded.apply(out, forward, backward))
    if "probabilities" in kinds:
        patch_attention(model, False, (forward, backward))


def float32_arithmetic(model, kinds):
    """The ops of `kinds` of a float64 model in float32, forward and backward
    (inputs and parameters cast on the way in, the result cast back)."""
    for module in model.modules():
        k = kind(module)
        if k not in kinds:
            continue
        if isinstance(module, gh.LowRank):
            module.forward = lambda x, m=module: (
                (f32(x) @ f32(m.R).T) @ f32(m.L).T + f32(m.bias)).double()
        elif k == "linear":
            module.forward = lambda x, m=module: torch.nn.functional.linear(
                f32(x), f32(m.weight), f32(m.bias)).double()
        elif k == "norm":
            module.forward = lambda x, m=module: torch.nn.functional.layer_norm(
                f32(x), m.normalized_shape, f32(m.weight), f32(m.bias), m.eps).double()
        elif k == "gelu":
            module.forward = lambda x, f=module.forward: f(f32(x)).double()
    if "attention" in kinds:
        patch_attention(model, True, None)


def relative(got, want):
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


def family_errors(family, show, dtype=torch.float32, change=None):
    """{loss: (worst error, tensor, key bias error of the largest, loss error)}
    of `family`'s gradients in `dtype`, `change(model)` applied to both models."""
    spec = gh.FAMILIES[family]
    j = json.load(open(os.path.join(HEAL, family + ".json")))
    ref = np.load(os.path.join(HEAL, family + "_grads.npz"))
    factors = load_file(os.path.join(HEAL, family + "_student", "model.safetensors"))
    teacher = load(family, spec["dir"], dtype)
    student = student_model(family, spec["dir"], factors, spec["low_rank"], dtype)
    try:
        if change:
            change(teacher)
            change(student)
        tokens, mask = gh.padded(j["ids"], spec["pad"])
        params = {}
        for name in j["parameters"]:
            stem, _, part = name.rpartition(".")
            params[name] = getattr(gh.get_module(student, stem), part)
        out = {}
        for loss in LOSSES:
            student.zero_grad()
            value = loss_value(loss, student, teacher, tokens, mask, j["scale"])
            value.backward()
            want = {n: ref[loss + ":" + n] for n in params}
            largest = max(np.linalg.norm(w) for w in want.values())
            worst, key_worst = (0.0, ""), 0.0
            for name, p in params.items():
                got = p.grad.detach().double().numpy()
                if name.endswith("." + KEY[family] + ".bias"):
                    key_worst = max(key_worst, float(np.linalg.norm(got - want[name]) / largest))
                    continue
                e = relative(got, want[name])
                if show:
                    print(f"  {family} {loss} {name}: {e:.2e}")
                worst = max(worst, (e, name))
            loss_error = abs(value.item() - j["loss"][loss]) / abs(j["loss"][loss])
            out[loss] = (worst[0], worst[1], key_worst, loss_error)
        return out
    finally:
        hf_bert.eager_attention_forward = HF_EAGER


def minilm_errors():
    j = json.load(open(os.path.join(HEAL, "minilm.json")))
    arrays = np.load(os.path.join(HEAL, "minilm.npz"))
    teacher = load("bert", gh.MINILM, torch.float32)
    factors = {k: arrays[k] for k in arrays.files if not k.startswith("grad:")}
    student = student_model("bert", gh.MINILM, factors, j["low_rank"], torch.float32)
    tokens, mask = gh.padded(j["ids"], 0)
    loss_value("cos", student, teacher, tokens, mask, 20.0).backward()
    out = {}
    for name in j["tensors"]:
        stem, _, part = name.rpartition(".")
        got = getattr(gh.get_module(student, stem), part).grad.double().numpy()
        # The fixture holds float64 autograd's gradient rounded to float32
        # (a relative error of at most 6e-8 of its own).
        out[name] = relative(got, arrays["grad:" + name].astype(np.float64))
    return out


def worst_of(errors):
    w = max((e[0], loss, e[1]) for loss, e in errors.items())
    return f"worst {w[0]:.2e} ({w[1]} {w[2]})"


def main():
    torch.set_num_threads(2)
    show = "--tensors" in sys.argv
    if not os.path.exists(os.path.join(gh.MINILM, "model.safetensors")):
        sys.exit("models/all-MiniLM-L6-v2 is missing: run scripts/setup.sh first")
    floor = {"generator": GENERATOR, "torch": torch.__version__,
             "transformers": transformers.__version__, "worst": {}, "worst_tensor": {}}
    for family in ("bert", "mpnet"):
        for loss, (e, name, key, loss_error) in family_errors(family, show).items():
            floor["worst"][f"{family} {loss}"] = e
            floor["worst_tensor"][f"{family} {loss}"] = name
            print(f"{family} {loss}: worst relative Frobenius error {e:.2e} at {name}; "
                  f"key bias {key:.1e} of the largest; loss {loss_error:.1e}")
    floor["minilm"] = minilm_errors()
    for name, e in floor["minilm"].items():
        print(f"minilm cos {name}: relative Frobenius error {e:.2e}")
    with open(os.path.join(HEAL, "float32_floor.json"), "w") as f:
        json.dump(floor, f, indent=1)
        f.write("\n")
    if "--storage" in sys.argv:
        kinds = ("linear", "norm", "gelu", "probabilities")
        for family in ("bert", "mpnet"):
            for what, fwd, bwd in (("values and gradients", True, True),
                                   ("values", True, False), ("gradients", False, True)):
                for chosen in [kinds] + [(k,) for k in kinds]:
                    errors = family_errors(family, False, torch.float64,
                                           lambda m: round_storage(m, chosen, fwd, bwd))
                    print(f"{family} float64, {what} of {'+'.join(chosen)} rounded to "
                          f"float32: {worst_of(errors)}")
    if "--arithmetic" in sys.argv:
        kinds = ("linear", "norm", "gelu", "attention")
        for family in ("bert", "mpnet"):
            for chosen in [kinds] + [(k,) for k in kinds] + [kinds[1:]]:
                errors = family_errors(family, False, torch.float64,
                                       lambda m: float32_arithmetic(m, chosen))
                print(f"{family} float64, {'+'.join(chosen)} in float32 arithmetic: "
                      f"{worst_of(errors)}")


if __name__ == "__main__":
    main()
