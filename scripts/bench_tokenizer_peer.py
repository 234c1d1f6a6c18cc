#!/usr/bin/env python3
"""flar's tokenizer against Hugging Face `tokenizers` on the same text, alternating rounds.

Usage: bench_tokenizer_peer.py [--model DIR] [--text FILE] [--rounds R] [--repeats K]
                               [--flar NAME=BINARY ...]

Each round times every contender once, in an order that rotates from round to round:
each `--flar` binary runs `flar-bench tokenize` (its timeit protocol: autorange, whose
first pass warms up, then K repeats; the round's figure is their median), and HF's
Rust tokenizer, loaded from the model's tokenizer.json, runs `encode_batch` on the same
lines with the same protocol in this process, on one thread (RAYON_RS_NUM_CPUS=1,
TOKENIZERS_PARALLELISM=false, set before `tokenizers` is imported). Both encode every
non-empty line with [CLS]/[SEP] (or <s>/</s>) and truncation to 128 ids, no padding.
The token counts must agree. Prints one line per round and the medians over rounds:
seconds per pass, sentences per second, and each flar binary's speed-up over HF.
"""
import argparse
import json
import os
import statistics
import subprocess

os.environ["RAYON_RS_NUM_CPUS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import Tokenizer  # noqa: E402  (after the thread settings)
from bench_timeit import measure  # noqa: E402  (scripts/bench_timeit.py)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="models/all-MiniLM-L6-v2")
    p.add_argument("--text", default="data/calib.txt")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--maxlen", type=int, default=128)
    p.add_argument("--flar", action="append", default=[],
                   help="NAME=PATH of a flar-bench binary (default after=.build/release/flar-bench)")
    a = p.parse_args()
    flars = [f.split("=", 1) for f in (a.flar or ["after=.build/release/flar-bench"])]
    # flar's text() splits lines at \n, \r\n and \r; the benchmark texts hold no \r.
    lines = [l for l in open(a.text, encoding="utf-8").read().split("\n") if l]
    tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=a.maxlen)
    hf_tokens = sum(len(e.ids) for e in tok.encode_batch(lines))
    size = sum(len(l.encode("utf-8")) for l in lines)
    print(f"text {a.text}: {len(lines)} lines, {size} bytes; model {a.model}; HF tokenizers "
          f"{hf_tokens} tokens")

    names = [n for n, _ in flars] + ["hf"]
    seconds = {n: [] for n in names}
    for r in range(a.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            if name == "hf":
                t = measure(lambda: tok.encode_batch(lines), a.repeats)
            else:
                binary = dict(flars)[name]
                out = subprocess.run(
                    [binary, "tokenize", "--model", a.model, "--text", a.text,
                     "--maxlen", str(a.maxlen), "--repeats", str(a.repeats)],
                    check=True, capture_output=True, text=True).stdout
                result = json.loads(out)
                if result["sentences"] != len(lines):
                    raise SystemExit(f"{name}: {result['sentences']} sentences, expected {len(lines)}")
                if result["tokens"] != hf_tokens:
                    print(f"  note: {name} made {result['tokens']} tokens, HF {hf_tokens}")
                t = result["seconds"]
            seconds[name].append(statistics.median(t))
        print(f"round {r + 1} ({', '.join(order)}): " + ", ".join(
            f"{n} {seconds[n][-1] * 1e3:.2f} ms" for n in names))
    print("medians over rounds:")
    hf = statistics.median(seconds["hf"])
    for n in names:
        m = statistics.median(seconds[n])
        ratios = [h / s for h, s in zip(seconds["hf"], seconds[n])]
        print(f"  {n}: {m * 1e3:.2f} ms per pass, {len(lines) / m:,.0f} sentences/s, "
              f"{size / m / 1e6:.2f} MB/s; HF / {n} median per-round ratio "
              f"{statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
