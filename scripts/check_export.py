#!/usr/bin/env python3
"""Checks a model exported by flar against flar's own embeddings.

    python3 scripts/check_export.py --texts FILE --expect EMB.npy \\
        [--onnx MODEL.onnx] [--hf DIR] [--tol 1e-5] [--batch 16] [--maxlen 128]
        [--padding-side right|left]

EMB.npy holds flar's sentence embeddings of the lines of FILE
(`save(embed(m, text(FILE)), "EMB.npy")`). For --onnx: onnx.checker passes
on the file, ONNX Runtime (2 intra-op threads) runs it on batches of --batch
lines padded to their longest (with the tokenizer's [PAD] or <pad>, on the
right or, with --padding-side left, on the left), and its sentence_embedding equals EMB.npy to
--tol (max absolute difference); its token_embeddings are compared to
transformers' last_hidden_state at the real tokens when --hf is given too
(to --tol times the largest state where that passes 1).
For --hf: transformers.AutoModel (mean pooling + normalisation written out)
and sentence_transformers.SentenceTransformer load the directory with no
custom code and equal EMB.npy to --tol. Token ids come from the tokenizer.json
of --tokenizer (default: the --hf directory, else the folder of --onnx).

Packages that are not installed are reported as "skipped: …" and their checks
are left out; --require NAME,... makes a missing package an error instead.
Exits 1 when a check fails, printing every difference it measured.
"""
import argparse
import importlib.util
import inspect
import os
import sys

import numpy as np


def have(name):
    return importlib.util.find_spec(name) is not None


def batches(lines, size):
    for i in range(0, len(lines), size):
        yield i, lines[i : i + size]


def pad_token(tok):
    """The tokenizer's own pad token, else <pad> (MPNet, RoBERTa), else [PAD] (BERT).

    MPNet's vocabulary also holds BERT's [PAD] (id 4), which its position ids
    would count as a real token: <pad> (id 1) is its padding."""
    if tok.padding and tok.token_to_id(tok.padding["pad_token"]) is not None:
        return tok.padding["pad_token"]
    return next((t for t in ("<pad>", "[PAD]") if tok.token_to_id(t) is not None), None)


def tokenize(tokenizer_dir, lines, size, maxlen, side="right"):
    """Yields (start, ids, mask, types) int64 arrays per padded batch."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    tok.enable_truncation(max_length=maxlen)
    pad = pad_token(tok)
    if pad is None:
        sys.exit(f"{tokenizer_dir}/tokenizer.json has neither [PAD] nor <pad>")
    tok.enable_padding(pad_id=tok.token_to_id(pad), pad_token=pad, direction=side)
    for start, part in batches(lines, size):
        enc = tok.encode_batch(part)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        yield start, ids, mask, types


def report(name, got, want, tol, failures):
    diff = float(np.max(np.abs(got - want))) if got.size else 0.0
    ok = diff <= tol
    print(f"{name}: max |diff| {diff:.3g} over {got.shape} ({'ok' if ok else 'FAIL'}, tol {tol:g})")
    if not ok:
        failures.append(name)


def check_onnx(args, lines, expected, failures, hidden_states):
    import onnx
    import onnxruntime as ort

    onnx.checker.check_model(args.onnx, full_check=True)
    model = onnx.load(args.onnx, load_external_data=False)
    print(
        f"onnx: checker ok, opset {model.opset_import[0].version}, "
        f"inputs {[i.name for i in model.graph.input]}, "
        f"outputs {[o.name for o in model.graph.output]}, "
        f"{sum(1 for n in model.graph.node if n.op_type == 'MatMul')} MatMul nodes"
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    got = np.zeros_like(expected)
    token_diff = 0.0
    token_scale = 1.0
    lengths = set()
    batches_ = tokenize(args.tokenizer, lines, args.batch, args.maxlen, args.padding_side)
    for start, ids, mask, types in batches_:
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feed["token_type_ids"] = types
        sentence, tokens = session.run(["sentence_embedding", "token_embeddings"], feed)
        got[start : start + len(ids)] = sentence
        lengths.update(int(n) for n in mask.sum(1))
        if hidden_states is not None:
            want = hidden_states[start // args.batch]
            real = mask.astype(bool)
            token_diff = max(token_diff, float(np.max(np.abs(tokens[real] - want[real]))))
            token_scale = max(token_scale, float(np.max(np.abs(want[real]))))
    print(
        f"onnxruntime {ort.__version__}: {len(lines)} lines, {len(lengths)} distinct lengths, "
        f"padded on the {args.padding_side}"
    )
    report("onnxruntime sentence_embedding vs flar", got, expected, args.tol, failures)
    if hidden_states is not None:
        # Token states are not normalised: float32 rounding grows with their
        # size (the tiny random MPNet's reach 4.9, where transformers' own
        # float32 forward is 1.0e-5 from its float64 one), so the tolerance
        # is relative to the largest state, and absolute below 1.
        tol = args.tol * token_scale
        ok = token_diff <= tol
        print(
            f"onnxruntime token_embeddings vs transformers last_hidden_state (real tokens): "
            f"max |diff| {token_diff:.3g}, max |state| {token_scale:.3g} "
            f"({'ok' if ok else 'FAIL'}, tol {args.tol:g} x max(1, max |state|))"
        )
        if not ok:
            failures.append("token_embeddings")


def check_hf(args, lines, expected, failures):
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel

    torch.set_num_threads(2)
    model = AutoModel.from_pretrained(args.hf).eval()
    print(f"transformers: {type(model).__name__}")
    # MPNet takes no token_type_ids.
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters
    got = np.zeros_like(expected)
    hidden = []
    with torch.no_grad():
        batches_ = tokenize(args.tokenizer, lines, args.batch, args.maxlen, args.padding_side)
        for start, ids, mask, types in batches_:
            feed = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
            if takes_types:
                feed["token_type_ids"] = torch.from_numpy(types)
            out = model(**feed).last_hidden_state
            hidden.append(out.numpy())
            m = torch.from_numpy(mask).unsqueeze(-1).float()
            pooled = (out * m).sum(1) / m.sum(1).clamp(min=1e-9)
            got[start : start + len(ids)] = torch.nn.functional.normalize(pooled, dim=1).numpy()
    report("transformers AutoModel (mean pool + normalise) vs flar", got, expected, args.tol, failures)
    st = SentenceTransformer(args.hf, device="cpu")
    st.max_seq_length = args.maxlen
    encoded = st.encode(lines, batch_size=args.batch, convert_to_numpy=True)
    report("sentence-transformers encode vs flar", encoded, expected, args.tol, failures)
    return hidden


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--texts", required=True)
    p.add_argument("--expect", required=True)
    p.add_argument("--onnx")
    p.add_argument("--hf")
    p.add_argument("--tokenizer")
    p.add_argument("--tol", type=float, default=1e-5)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--maxlen", type=int, default=128)
    p.add_argument("--require", default="")
    p.add_argument("--padding-side", choices=["right", "left"], default="right")
    args = p.parse_args()
    if not (args.onnx or args.hf):
        p.error("give --onnx, --hf or both")
    args.tokenizer = args.tokenizer or args.hf or os.path.dirname(os.path.abspath(args.onnx))
    lines = [l.rstrip("\n") for l in open(args.texts, encoding="utf-8") if l.strip()]
    expected = np.load(args.expect).astype(np.float32)
    if expected.shape[0] != len(lines):
        sys.exit(f"{args.expect} has {expected.shape[0]} rows, {args.texts} {len(lines)} lines")
    required = {r for r in args.require.split(",") if r}
    missing = [m for m in sorted(required) if not have(m)]
    if missing:
        sys.exit("required packages not installed: " + ", ".join(missing))
    failures = []
    hidden = None
    if args.hf:
        hf_packages = ["torch", "transformers", "sentence_transformers"]
        absent = [m for m in hf_packages if not have(m)]
        if absent:
            print("skipped: transformers and sentence-transformers checks (not installed: "
                  + ", ".join(absent) + ")")
        else:
            hidden = check_hf(args, lines, expected, failures)
    if args.onnx:
        absent = [m for m in ["onnx", "onnxruntime", "tokenizers"] if not have(m)]
        if absent:
            print("skipped: ONNX checks (not installed: " + ", ".join(absent) + ")")
        else:
            check_onnx(args, lines, expected, failures, hidden)
    if failures:
        print("FAILED: " + ", ".join(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
