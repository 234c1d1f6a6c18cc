#!/usr/bin/env bash
# Runs the set-up, builds flar (release, with testability so the unit tests
# can use @testable and the end-to-end tests drive a fast binary), then the
# whole test suite. Used by .ci/run; works from any directory, no stdin.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# all-mpnet-base-v2 too: its end-to-end tests run in CI.
scripts/setup.sh --model all-mpnet-base-v2

# Formatting and lint (.swift-format: 2 spaces, 100 columns, one-line doc
# summaries); a finding fails the run before anything is built.
swift format lint --strict --recursive Sources Tests Fuzz

# One configuration for everything: the tests reuse the release build.
build_flags=(-c release -Xswiftc -enable-testing)
swift build "${build_flags[@]}"
swift test "${build_flags[@]}" "$@"

# A short, deterministic fuzz pass (libFuzzer + AddressSanitizer, 20000
# inputs per target from seed 1) so that a reader or the parser that starts
# to trap shows here; scripts/fuzz.sh 3600 is the long, random run.
FUZZ_TIMEOUT=5 FUZZ_RUNS=20000 scripts/fuzz.sh
