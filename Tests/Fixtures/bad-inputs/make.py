#!/usr/bin/env python3
"""Writes the malformed files that Tests/Fixtures/bad-inputs/cases.tsv feeds to flar.

Run from the repository root (needs numpy and safetensors):

    python3 Tests/Fixtures/bad-inputs/make.py

Each file breaks one rule of its format, the way a truncated download, a
hand edit or another tool's output would; the tiny model directories are the
committed 2-layer BERT (Tests/Fixtures/models/tiny) with one thing wrong.
"""
import io
import json
import os
import shutil
import struct
import zipfile

import numpy as np
from safetensors.numpy import load_file, save, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "bad-inputs")
TINY = os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny")


def put(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def safetensors_raw(header, data):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def tiny_copy(name):
    path = os.path.join(OUT, name)
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(TINY, path)
    return path


def main():
    good = save({"w": np.arange(6, dtype=np.float32).reshape(2, 3)})
    put("empty.safetensors", b"")
    put("truncated.safetensors", good[: len(good) - 7])
    put("header-too-large.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    put("header-past-end.safetensors", struct.pack("<Q", 1000) + b'{"w": 1}')
    put("header-not-json.safetensors", struct.pack("<Q", 6) + b"{abc}x")
    put("unknown-dtype.safetensors", safetensors_raw(
        {"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}, bytes(8)))
    put("offsets-past-end.safetensors", safetensors_raw(
        {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 400]}}, bytes(16)))
    put("shape-offsets-disagree.safetensors", safetensors_raw(
        {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}, bytes(12)))
    put("overlapping.safetensors", safetensors_raw(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))

    npy = npy_bytes(np.ones((2, 3)))
    put("bad-magic.npy", b"\x93NUMPX" + npy[6:])
    put("complex.npy", npy_bytes(np.ones(3, dtype=np.complex128)))
    put("truncated.npy", npy[:-5])
    put("three-dimensional.npy", npy_bytes(np.ones((2, 2, 2))))
    put("header-garbage.npy", npy[:10] + b"not a dict" + b" " * (len(npy) - 20 - 10) + b"\n" + npy[-9:])

    put("not-a-zip.npz", b"PK\x03\x04 this is not a zip archive")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("A.npy", npy)
    put("compressed.npz", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("A.npy", npy)
    put("truncated.npz", buffer.getvalue()[:60])

    header = "Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery"
    row = "32,16,128,384,32,1.5,0.6,0.2,0.3077"
    put("missing-column.csv", header.replace(",Rank", "") + "\n" + "32,16,128,384,1.5,0.6,0.2,0.3077\n")
    put("not-a-number.csv", header + "\n" + row + "\n" + row.replace("0.6", "fast") + "\n")
    put("empty.csv", "")
    put("header-only.csv", header + "\n")
    put("ragged.csv", header + "\n" + row + "\n" + "32,16,128\n")

    put("truncated-predictor.json", '{"format": "flar-latency-forest", "version": 2, "trees": [')
    put("not-a-predictor.json", '{"hello": "world"}')

    put("pairs-without-tab.tsv", "a gloss\tan example\njust one field here\n")
    put("not-utf8.txt", b"caf\xe9 au lait\n")
    put("unterminated-cell.md", "# Notebook\n\n```flar\nx = 1\n")

    os.makedirs(os.path.join(OUT, "model-without-config"), exist_ok=True)
    shutil.copy(os.path.join(TINY, "model.safetensors"), os.path.join(OUT, "model-without-config"))
    with open(os.path.join(OUT, "model-without-config", "vocab.txt"), "w") as f:
        f.write(open(os.path.join(TINY, "vocab.txt")).read())

    config = json.load(open(os.path.join(TINY, "config.json")))
    path = tiny_copy("model-unknown-type")
    json.dump(dict(config, model_type="gpt2"), open(os.path.join(path, "config.json"), "w"), indent=2)
    path = tiny_copy("model-no-hidden-size")
    json.dump({k: v for k, v in config.items() if k != "hidden_size"},
              open(os.path.join(path, "config.json"), "w"), indent=2)

    tensors = load_file(os.path.join(TINY, "model.safetensors"))
    path = tiny_copy("model-missing-tensor")
    save_file({k: v for k, v in tensors.items() if k != "encoder.layer.1.output.dense.weight"},
              os.path.join(path, "model.safetensors"))
    path = tiny_copy("model-wrong-shape")
    changed = dict(tensors)
    changed["encoder.layer.0.intermediate.dense.weight"] = np.zeros((95, 48), np.float32)
    save_file(changed, os.path.join(path, "model.safetensors"))
    path = tiny_copy("model-without-vocab")
    os.remove(os.path.join(path, "vocab.txt"))


if __name__ == "__main__":
    main()
