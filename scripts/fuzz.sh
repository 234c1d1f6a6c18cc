#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer and runs each
# for SECONDS (default 60), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Each target starts from its committed seeds (Fuzz/corpus/TARGET) and grows
# a working corpus in .build-fuzz/corpus/TARGET (git-ignored), kept between
# runs. An input slower than 1 s, a leak, a trap or an out-of-bounds access is
# a failure: libFuzzer writes the input to .build-fuzz/crashes/TARGET/ and
# this script exits 1 after the remaining targets have run. The last lines
# print executions per target (the figure RELIABILITY.md records).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
# The slowest input allowed, in seconds: 1 by default (RELIABILITY.md's
# figure); the short pass in scripts/test.sh allows 5, since a loaded CI
# machine can stretch an ordinary input past 1 s of wall time.
timeout="${FUZZ_TIMEOUT:-1}"
# FUZZ_RUNS=N runs each target for N inputs from seed 1 instead of for
# SECONDS: the same inputs on every machine, so the pass in scripts/test.sh
# fails only when a change breaks a reader, never on a new random find.
runs="${FUZZ_RUNS:-}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got \"$seconds\"" >&2; exit 64 ;;
esac

# Linked by lld: gold stops with an internal error in its DWARF reader on
# the sanitized objects (Debian's gold 2.40).
scratch=.build-fuzz
swift build -c release --scratch-path "$scratch" --product flar-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFLAR_LIBFUZZER \
  -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 \
  | grep -v "Cannot export local symbol" || true
binary="$scratch/release/flar-fuzz"
[[ -x "$binary" ]] || { echo "fuzz.sh: the build did not produce $binary" >&2; exit 1; }

all_targets=(script eval safetensors npy npz latency-csv json tokenizer notebook)
targets=("${@:-${all_targets[@]}}")

# ASan's leak checker runs at exit; libFuzzer also checks each input for
# leaks (-detect_leaks=1). Allocations above 2 GB are reported as errors.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"

status=0
summary=()
for target in "${targets[@]}"; do
  seeds="Fuzz/corpus/$target"
  [[ -d "$seeds" ]] || { echo "fuzz.sh: unknown target \"$target\" (targets: ${all_targets[*]})" >&2; exit 64; }
  corpus="$scratch/corpus/$target"
  crashes="$scratch/crashes/$target"
  mkdir -p "$corpus" "$crashes"
  dict=()
  case "$target" in
    script | eval) dict=(-dict=Fuzz/dict/script.dict) ;;
    json) dict=(-dict=Fuzz/dict/json.dict) ;;
  esac
  if [[ -n "$runs" ]]; then
    budget=(-runs="$runs" -seed=1)
  else
    budget=(-max_total_time="$seconds")
  fi
  log="$scratch/$target.log"
  echo "fuzz.sh: $target (${budget[*]})"
  if FLAR_FUZZ_TARGET="$target" "$binary" "${dict[@]}" \
    "${budget[@]}" -timeout="$timeout" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$corpus" "$seeds" >"$log" 2>&1; then
    result="ok"
  else
    result="FAILED (see $log and $crashes/)"
    status=1
  fi
  executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-12s %12s executions  peak RSS %5s MB  %s' "$target" "$executed" "$peak" "$result")")
done

echo
printf '%s\n' "${summary[@]}"
exit "$status"
