#!/usr/bin/env bash
# The main job on the embedded default model: set-up, a release build, then
# FLAR-SVD compression of all-MiniLM-L6-v2 to 50 % of its linear parameters,
# evaluated against the original and saved to out/minilm-flar.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
swift build -c release --product flar
.build/release/flar scripts/flar-compress.flar "$@"
