#!/usr/bin/env bash
# flar's own speed-up of a compressed model over its dense original, for one
# or more flar binaries, beside ONNX Runtime's on the same two models, in one
# run with alternating rounds (BENCHMARKS.md, "One meeting of the threads per
# batch"):
#
#   scripts/bench-speedup-onnx.sh DENSE_DIR COMPRESSED_DIR ROUNDS RUNS ORT_RUNS FLAR_BIN...
#
# Both models are exported to ONNX once with the first binary. Every round
# prints the load average, runs scripts/bench-forward-speedup.sh for one
# round over the binaries (their order rotating from round to round; RUNS
# passes of each model, alternating, 2 OpenBLAS threads), then
# scripts/bench_onnx.py (2 intra-op threads, its default settings, ORT_RUNS
# passes of each model, alternating). All on the first 256 lines of
# data/eval.txt in batches of 32.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
usage="usage: scripts/bench-speedup-onnx.sh DENSE_DIR COMPRESSED_DIR ROUNDS RUNS ORT_RUNS FLAR_BIN..."
(($# >= 6)) || { echo "$usage" >&2; exit 64; }
dense=$1
compressed=$2
rounds=$3
runs=$4
ort_runs=$5
shift 5
bins=("$@")
[[ "$ort_runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench-speedup-onnx.sh: ORT_RUNS must be a positive whole number, got \"$ort_runs\"" >&2; exit 64; }
# The other arguments are checked by bench-forward-speedup.sh; the export
# below needs the first binary and both directories now.
[[ -x "${bins[0]}" ]] || { echo "bench-speedup-onnx.sh: ${bins[0]} is not an executable flar binary" >&2; exit 64; }
for dir in "$dense" "$compressed"; do
    [[ -f "$dir/config.json" ]] || { echo "bench-speedup-onnx.sh: $dir is not a model directory (no config.json)" >&2; exit 64; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${bins[0]}" --quiet -e "save(load(\"$dense\"), \"$work/dense.onnx\"); save(load(\"$compressed\"), \"$work/compressed.onnx\")" >/dev/null
for ((r = 0; r < rounds; r++)); do
    echo "round $r: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    rotated=()
    for ((i = 0; i < ${#bins[@]}; i++)); do rotated+=("${bins[$(((i + r) % ${#bins[@]}))]}"); done
    scripts/bench-forward-speedup.sh "$dense" "$compressed" 1 "$runs" "${rotated[@]}" |
        sed "s/^round 0/round $r/"
    python3 scripts/bench_onnx.py "$work/dense.onnx" "$work/compressed.onnx" --runs "$ort_runs" |
        grep '^ort round' | sed "s/^ort round 0/ort round $r/"
done
echo "end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
