#!/usr/bin/env bash
# flar's whole compression against the PyTorch implementation of the same
# algorithm (scripts/flar_torch_peer.py), whole process against whole process,
# alternating rounds, 2 threads each (issue 14, BENCHMARKS.md).
#
#   scripts/compress_vs_torch.sh [ROUNDS] [TARGET] [CRITERION] [OUTDIR]
#
# ROUNDS (default 3), TARGET (0.5), CRITERION (feat_mse_dense), OUTDIR (out/vs-torch).
# Each round runs `flar -e 'compress(…)'` then the peer, timing each process
# from start to exit; both use the first 256 lines of data/calib.txt to
# calibrate and lines 256–319 as the search set, batches of 32. Prints each
# round, the medians and their ratio, and whether the two chose the same ranks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
target=${2:-0.5}
criterion=${3:-feat_mse_dense}
out=${4:-out/vs-torch}
flar=${FLAR:-.build/release/flar}
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
program="m = load(\"models/all-MiniLM-L6-v2\"); lines = text(\"data/calib.txt\")
r = compress(m, method=\"flar\", target=$target, criterion=\"$criterion\", calib=lines[0:256], search=lines[256:320])
print(r.ranks)"
now() { date +%s.%N; }
for ((i = 1; i <= rounds; i++)); do
    t0=$(now)
    "$flar" --quiet -e "$program" >"$out/flar-$i.txt"
    t1=$(now)
    python3 scripts/flar_torch_peer.py --target "$target" --criterion "$criterion" \
        --threads 2 --out "$out/torch-$i.json" >/dev/null
    t2=$(now)
    echo "round $i: flar $(echo "$t1 - $t0" | bc) s, torch $(echo "$t2 - $t1" | bc) s" | tee -a "$out/rounds.txt"
done
python3 - "$out" "$rounds" <<'EOF'
import json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
flar, torch = [], []
for line in open(f"{out}/rounds.txt").read().splitlines()[-rounds:]:
    m = re.match(r"round \d+: flar ([\d.]+) s, torch ([\d.]+) s", line)
    flar.append(float(m[1])); torch.append(float(m[2]))
f, t = statistics.median(flar), statistics.median(torch)
print(f"median whole process: flar {f:.1f} s, torch {t:.1f} s, torch / flar = {t / f:.2f}x")
peer = json.load(open(f"{out}/torch-{rounds}.json"))
text = open(f"{out}/flar-{rounds}.txt").read()
ours = {k: (None if v == "nil" else int(v)) for k, v in re.findall(r'"?([\w.]+)"?: (nil|\d+)', text)}
same = all(ours.get(k, "missing") == v for k, v in peer["ranks"].items())
diff = [k for k, v in peer["ranks"].items() if ours.get(k, "missing") != v]
print(f"peer stage times: " + ", ".join(f"{k} {v:.2f} s" for k, v in peer["times"].items()))
print(f"peer tau {peer['tau']:.6g}, {peer['batch_forward_passes']} batch forward passes")
print("ranks identical: " + ("yes" if same else f"no, {len(diff)} layers differ: {diff}"))
EOF
