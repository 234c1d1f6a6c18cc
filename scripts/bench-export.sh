#!/usr/bin/env bash
# Dense against compressed, in ONNX Runtime and in flar's own forward pass, in
# one run with alternating rounds (BENCHMARKS.md, "The compressed model in ONNX
# Runtime"):
#
#   scripts/bench-export.sh DENSE_DIR COMPRESSED_DIR [ROUNDS] [RUNS]
#
# DENSE_DIR and COMPRESSED_DIR are flar model directories (save(c, "dir")).
# Each is exported to ONNX once (into a temporary folder), then every round runs
# scripts/bench_onnx.py (2 intra-op threads, batches of 32 of the first 256
# lines of data/eval.txt padded to their longest, RUNS passes of each model
# alternating) and flar's model_latency on the same lines (batches of 32,
# 2 OpenBLAS threads, RUNS passes of each). Prints one line per round and model.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
(($# >= 2)) || { echo "usage: scripts/bench-export.sh DENSE_DIR COMPRESSED_DIR [ROUNDS] [RUNS]" >&2; exit 64; }
dense=$1
compressed=$2
rounds=${3:-5}
runs=${4:-5}
flar=${FLAR_BIN:-.build/release/flar}
for dir in "$dense" "$compressed"; do
    [[ -f "$dir/config.json" ]] || { echo "bench-export.sh: $dir is not a model directory (no config.json)" >&2; exit 64; }
done
for n in "$rounds" "$runs"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench-export.sh: ROUNDS and RUNS must be positive whole numbers, got \"$n\"" >&2; exit 64; }
done
[[ -x "$flar" ]] || { echo "bench-export.sh: $flar is not an executable flar binary (build with swift build -c release, or set FLAR_BIN)" >&2; exit 64; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$flar" --quiet -e "save(load(\"$dense\"), \"$work/dense.onnx\"); save(load(\"$compressed\"), \"$work/compressed.onnx\")" >/dev/null
python3 scripts/bench_onnx.py "$work/dense.onnx" "$work/compressed.onnx" --rounds 0 \
    --optimized-graphs "$work/optimized" 2>/dev/null
for ((r = 0; r < rounds; r++)); do
    python3 scripts/bench_onnx.py "$work/dense.onnx" "$work/compressed.onnx" --runs "$runs" |
        grep '^ort round' | sed "s/^ort round 0/ort round $r/"
    "$flar" --quiet -e "
      m = load(\"$dense\"); c = load(\"$compressed\"); s = text(\"data/eval.txt\", limit=256)
      a = model_latency(m, s, runs=$runs, batch=32); b = model_latency(c, s, runs=$runs, batch=32)
      print(\"flar round $r: dense \" + str(round(a.ms * 10) / 10) + \" ms, compressed \" + str(round(b.ms * 10) / 10) + \" ms, speed-up \" + str(round(a.ms / b.ms * 1000) / 1000))"
done
