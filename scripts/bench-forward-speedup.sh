#!/usr/bin/env bash
# flar's own forward pass, dense against compressed, for one or more flar
# binaries (a build before and after a change), in one run with alternating
# rounds (BENCHMARKS.md, "flar's own speed-up of a compressed model"):
#
#   scripts/bench-forward-speedup.sh DENSE_DIR COMPRESSED_DIR ROUNDS RUNS FLAR_BIN...
#
# Every round runs each binary in turn (the order rotates from round to
# round); each binary loads both models, tokenises the first 256 lines of
# data/eval.txt once, and times RUNS passes of each model with model_latency
# (batches of 32, one warm-up pass), the two models alternating pass by
# pass, with OPENBLAS_NUM_THREADS=2. Prints one line per round and binary:
# the median pass of each model and their ratio.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
usage="usage: scripts/bench-forward-speedup.sh DENSE_DIR COMPRESSED_DIR ROUNDS RUNS FLAR_BIN..."
(($# >= 5)) || { echo "$usage" >&2; exit 64; }
dense=$1
compressed=$2
rounds=$3
runs=$4
shift 4
bins=("$@")
for dir in "$dense" "$compressed"; do
    [[ -f "$dir/config.json" ]] || { echo "bench-forward-speedup.sh: $dir is not a model directory (no config.json)" >&2; exit 64; }
done
for n in "$rounds" "$runs"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench-forward-speedup.sh: ROUNDS and RUNS must be positive whole numbers, got \"$n\"" >&2; exit 64; }
done
for bin in "${bins[@]}"; do
    [[ -x "$bin" ]] || { echo "bench-forward-speedup.sh: $bin is not an executable flar binary" >&2; exit 64; }
done
for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < ${#bins[@]}; i++)); do
        bin=${bins[$(((i + r) % ${#bins[@]}))]}
        OPENBLAS_NUM_THREADS=2 "$bin" --quiet -e "
          m = load(\"$dense\"); c = load(\"$compressed\"); s = text(\"data/eval.txt\", limit=256)
          a = []; b = []
          for i in range(0, $runs) do
            a = a + [model_latency(m, s, runs=1, batch=32).ms]
            b = b + [model_latency(c, s, runs=1, batch=32).ms]
          end
          d = median(a); k = median(b)
          print(\"round $r $bin: dense \" + str(round(d * 10) / 10) + \" ms, compressed \" + str(round(k * 10) / 10) + \" ms, speed-up \" + str(round(d / k * 1000) / 1000))"
    done
done
