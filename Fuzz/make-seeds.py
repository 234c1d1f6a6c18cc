#!/usr/bin/env python3
"""Writes the small seed corpora of the fuzz targets into Fuzz/corpus/TARGET/.

Run from the repository root (needs numpy and safetensors):

    python3 Fuzz/make-seeds.py

Seeds are small on purpose (libFuzzer mutates them; a large seed slows every
execution): valid files of each format, a few near-misses, and the committed
test inputs that are already short.
"""
import glob
import io
import json
import os
import zipfile

import numpy as np
from safetensors.numpy import save

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def main():
    rng = np.random.default_rng(20261129)

    # script: the language case files under 2 KB, and short hand-written lines.
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests/FlarScriptTests/Cases/*/*.flar"))):
        text = open(path, encoding="utf-8").read()
        if len(text) <= 2048:
            put("script", os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path), text)
    put("script", "hand-1.flar", 'x = [1, 2.5, "a"]\nfor v in x do print(v) end\n')
    put("script", "hand-2.flar", "def f(a, b=1) return a @ b.T end\nA[0:8, :] |> f(eye(3))\n")
    put("script", "hand-3.flar", 'r = {a: 1, b: "x"}\nif r.a == 1 then r.b = nil elif false then 2 else -3^2 end\n')

    # eval: the same programs, run (the script target only parses them), and
    # a few that reach the limits the target sets.
    for name in sorted(os.listdir(os.path.join(OUT, "script"))):
        put("eval", name, open(os.path.join(OUT, "script", name), "rb").read())
    put("eval", "limit-steps.flar", "n = 0\nwhile true do n += 1 end\n")
    put("eval", "limit-memory.flar", "A = zeros(3000, 3000)\nB = A @ A.T\n")
    put("eval", "slices.flar", "x = [1, 2, 3]\ny = x[-5:9:2]\nA = randn(4, 3)\nA[1:-1, ::-1]\n")

    # safetensors: two tiny valid files and a header-only one.
    put("safetensors", "two.safetensors", save({
        "a.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "a.bias": rng.standard_normal(3).astype(np.float32)}))
    put("safetensors", "one.safetensors", save({"x": np.zeros((1, 1), np.float32)}))
    put("safetensors", "metadata.safetensors",
        save({"v": np.arange(5, dtype=np.float32)}, metadata={"format": "pt"}))

    # npy: the dtypes and orders the reader accepts, and one it rejects.
    put("npy", "f64-2d.npy", npy_bytes(rng.standard_normal((3, 2))))
    put("npy", "f32-1d.npy", npy_bytes(rng.standard_normal(4).astype(np.float32)))
    put("npy", "f64-fortran.npy", npy_bytes(np.asfortranarray(rng.standard_normal((2, 3)))))
    put("npy", "i64.npy", npy_bytes(np.arange(4)))
    put("npy", "scalar.npy", npy_bytes(np.float64(2.5)))

    # npz: stored members (what numpy.savez writes) and one compressed.
    for name, compress in (("stored.npz", zipfile.ZIP_STORED), ("deflated.npz", zipfile.ZIP_DEFLATED)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=compress) as z:
            z.writestr("A.npy", npy_bytes(rng.standard_normal((2, 2))))
            z.writestr("b.npy", npy_bytes(np.ones(3, np.float32)))
        put("npz", name, buffer.getvalue())

    # latency-csv: the reference's header (with its trailing comma) and rows.
    csv = open(os.path.join(ROOT, "Tests/Fixtures/latency/synthetic.csv"), encoding="utf-8").read()
    put("latency-csv", "synthetic-head.csv", "\n".join(csv.splitlines()[:6]) + "\n")
    put("latency-csv", "reference-header.csv",
        "Batch_dim,Patch_dim,In_feats,Out_feats,Rank,Og_lat,Latency,Min_lat,Lat_recovery,\n"
        "32,197,768,3072,64,1.5,0.4,0.1,0.214,\n")

    # json: the model's small configs and a tokenizer.json-like document.
    put("json", "config.json", open(os.path.join(ROOT, "Tests/Fixtures/models/tiny/config.json"), "rb").read())
    put("json", "tokenizer-like.json", json.dumps({
        "version": "1.0", "added_tokens": [{"id": 0, "content": "[PAD]", "special": True}],
        "normalizer": {"type": "BertNormalizer", "lowercase": True, "strip_accents": None},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[PAD]": 0, "a": 1, "##b": 2}},
        "numbers": [1e-3, -0.0, 12345678901234567890, 3.14], "escapes": "\u00e9\n\t\"\\"}))

    # tokenizer: the awkward strings of the tokenizer fixtures.
    awkward = json.load(open(os.path.join(ROOT, "Tests/Fixtures/models/awkward.json"), encoding="utf-8"))
    for i, s in enumerate(awkward[:24]):
        put("tokenizer", f"awkward-{i:02d}.txt", s)

    # notebook: a short notebook with prose, a cell, options and an output.
    put("notebook", "small.md",
        "# Title\n\nProse.\n\n```flar\nx = 1 + 1\nx\n```\n\n```output\n2\n```\n\n"
        "```flar ignore-output\nprint(\"a\")\n```\n")
    whitening = open(os.path.join(ROOT, "notebooks-text/whitening.md"), encoding="utf-8").read()
    put("notebook", "whitening-head.md", whitening[:1500])


if __name__ == "__main__":
    main()
