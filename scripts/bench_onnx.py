#!/usr/bin/env python3
"""Times ONNX models in ONNX Runtime on glosses, as BENCHMARKS.md reports them.

    python3 scripts/bench_onnx.py DENSE.onnx COMPRESSED.onnx [--texts data/eval.txt]
        [--limit 256] [--batch 32] [--threads 2] [--runs 5] [--rounds 1]
        [--tokenizer models/all-MiniLM-L6-v2] [--optimized-graphs DIR] [--no-spinning]

The first --limit lines are tokenised once (truncated to 128 tokens) into
batches of --batch padded to their longest. A pass runs every batch; each
round warms both sessions up, then times --runs passes of each model,
alternating dense and compressed pass by pass, and prints the median per
model and the ratio. Sessions use --threads intra-op threads, one inter-op
thread and ONNX Runtime's full graph optimisation (its default). With
--optimized-graphs, the graphs as ONNX Runtime optimised them are saved there
and their MatMul-like nodes counted, so one can see whether the optimiser
fused the two MatMuls of a low-rank layer back together. --no-spinning sets
session.intra_op.allow_spinning = 0 (worker threads sleep instead of spinning
while they wait, which matters on an oversubscribed machine).
"""
import argparse
import collections
import os
import statistics
import time

import numpy as np
import onnx
import onnxruntime as ort
from tokenizers import Tokenizer


def batches(path, tokenizer_dir, limit, size):
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip()][:limit]
    tok = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    tok.enable_truncation(max_length=128)
    # The tokenizer's own pad token, else <pad> (MPNet), else [PAD] (BERT):
    # MPNet's vocabulary also holds BERT's [PAD] (id 4), not its padding.
    pad = tok.padding["pad_token"] if tok.padding else None
    pad = pad or next(t for t in ("<pad>", "[PAD]") if tok.token_to_id(t) is not None)
    tok.enable_padding(pad_id=tok.token_to_id(pad), pad_token=pad)
    out = []
    for i in range(0, len(lines), size):
        enc = tok.encode_batch(lines[i : i + size])
        out.append(
            {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
        )
    return lines, out


def session(path, threads, optimized=None, spinning=True):
    options = ort.SessionOptions()
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if optimized:
        options.optimized_model_filepath = optimized
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def one_pass(s, feeds):
    names = {i.name for i in s.get_inputs()}
    start = time.perf_counter()
    for feed in feeds:
        s.run(["sentence_embedding"], {k: v for k, v in feed.items() if k in names})
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dense")
    p.add_argument("compressed")
    p.add_argument("--texts", default="data/eval.txt")
    p.add_argument("--limit", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--tokenizer", default="models/all-MiniLM-L6-v2")
    p.add_argument("--optimized-graphs")
    p.add_argument("--no-spinning", action="store_true")
    args = p.parse_args()
    lines, feeds = batches(args.texts, args.tokenizer, args.limit, args.batch)
    tokens = sum(int(f["attention_mask"].sum()) for f in feeds)
    padded = sum(f["input_ids"].size for f in feeds)
    print(
        f"onnxruntime {ort.__version__}, {args.threads} intra-op threads; {len(lines)} lines, "
        f"{len(feeds)} batches of {args.batch}, {tokens} real tokens of {padded} padded"
    )
    paths = {"dense": args.dense, "compressed": args.compressed}
    optimized = {}
    if args.optimized_graphs:
        os.makedirs(args.optimized_graphs, exist_ok=True)
        for k in paths:
            optimized[k] = os.path.join(args.optimized_graphs, k + ".optimized.onnx")
    sessions = {
        k: session(v, args.threads, optimized.get(k), not args.no_spinning) for k, v in paths.items()
    }
    for k, path in optimized.items():
        ops = collections.Counter(n.op_type for n in onnx.load(path, load_external_data=False).graph.node)
        before = collections.Counter(n.op_type for n in onnx.load(paths[k], load_external_data=False).graph.node)
        keep = ["MatMul", "Gemm", "FusedMatMul", "MatMulAddFusion", "Attention", "Gelu", "BiasGelu",
                "FastGelu", "SkipLayerNormalization", "LayerNormalization"]
        print(f"{k}: exported {dict((o, before[o]) for o in keep if before[o])}, "
              f"after ORT's optimiser {dict((o, ops[o]) for o in keep if ops[o])}")
    for r in range(args.rounds):
        for s in sessions.values():
            one_pass(s, feeds)
        times = {k: [] for k in sessions}
        for _ in range(args.runs):
            for k, s in sessions.items():
                times[k].append(one_pass(s, feeds))
        d = statistics.median(times["dense"]) * 1000
        c = statistics.median(times["compressed"]) * 1000
        print(f"ort round {r}: dense {d:.1f} ms, compressed {c:.1f} ms, speed-up {d / c:.3f}")


if __name__ == "__main__":
    main()
