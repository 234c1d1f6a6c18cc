#!/usr/bin/env python3
"""PyTorch CPU peer for the MPNet forward benchmark (BENCHMARKS.md).

Hugging Face transformers' own MPNetModel (float32, eager attention) on
models/all-mpnet-base-v2, run as sentence-transformers runs it: a padded
batch with an attention mask, mean pooling over the mask, L2 normalisation.
Times the first 32 glosses of Tests/Fixtures/models/sentences.txt padded to
the longest, with flar's timing protocol (2 warm-ups, then --repeats runs,
median with min and max). Tokenisation is outside the timed region, as for
flar's model_latency.

    python3 Tests/Fixtures/mpnet/bench_torch.py [--threads 2] [--repeats 7]
"""
import argparse
import os
import statistics
import time

import torch
from tokenizers import Tokenizer
from transformers import MPNetModel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODEL = os.path.join(ROOT, "models", "all-mpnet-base-v2")
SENTENCES = os.path.join(ROOT, "Tests", "Fixtures", "models", "sentences.txt")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sentences = [l.rstrip("\n") for l in open(SENTENCES, encoding="utf-8")][:args.batch]
    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    ids = [e.ids for e in tok.encode_batch(sentences)]
    longest = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), longest), 1, dtype=torch.long)
    mask = torch.zeros((len(ids), longest), dtype=torch.long)
    for r, x in enumerate(ids):
        input_ids[r, :len(x)] = torch.tensor(x)
        mask[r, :len(x)] = 1
    model = MPNetModel.from_pretrained(MODEL, attn_implementation="eager").eval()

    def run():
        with torch.inference_mode():
            h = model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            m = mask[:, :, None].to(h.dtype)
            e = (h * m).sum(1) / m.sum(1)
            return torch.nn.functional.normalize(e, dim=1)

    for _ in range(2):
        run()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    real = sum(len(x) for x in ids)
    print(f"PyTorch {torch.__version__} MPNetModel B={len(ids)} padded to longest (T={longest}, "
          f"{real} real tokens) threads={args.threads}: median {statistics.median(times):.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f})")


if __name__ == "__main__":
    main()
