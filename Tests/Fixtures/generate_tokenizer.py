#!/usr/bin/env python3
"""Generates the tokenizer fixtures in Tests/Fixtures/tokenizer/.

Run from the repository root after `scripts/setup.sh` and
`scripts/setup.sh --model all-mpnet-base-v2` (needs models/all-MiniLM-L6-v2,
models/all-mpnet-base-v2 and the BERT fixtures' sentences.txt), with
`pip install tokenizers`:

    python3 Tests/Fixtures/generate_tokenizer.py

Writes:
  cases.json   strings made from the 220 WordNet glosses by seeded edits that
               reach every branch of the BERT normaliser, pre-tokeniser and
               WordPiece (accented and precomposed letters, combining marks,
               Hangul syllables, CJK of every block BERT pads and of blocks it
               does not, compatibility ideographs, multi-scalar lowercase
               mappings, titlecase letters, Unicode whitespace, control,
               format, private-use and unassigned scalars, U+FFFD, emoji
               sequences, Unicode punctuation, added tokens glued to words,
               words near the 100-scalar limit, random scalars of every
               plane), and for each tokenizer below the ids and UTF-8 byte
               offsets that HF `tokenizers` gives without special tokens and
               without truncation: per string a flat list id, start, end, ...
  mixed.txt    the first 400 strings one per line (line breaks inside a
               string replaced by spaces): the non-ASCII text of the
               tokenizer benchmark
  scalars.json HF's BertNormalizer steps one at a time (clean_text,
               handle_chinese_chars, strip_accents, lowercase) and its
               BertPreTokenizer's classes for every Unicode scalar, stored as
               the departures from "kept as itself, a letter": ranges
               [first, last] of removed, space-mapped and padded scalars and
               of whitespace and punctuation, and [scalar, [outputs]] of the
               rest
  manifest.json  format version, generator, library versions, seed

Tokenizers: all-MiniLM-L6-v2 and all-mpnet-base-v2 as saved (their
tokenizer.json), and all-MiniLM-L6-v2's vocabulary under BertNormalizer flag
variants (lowercase, strip_accents, clean_text, handle_chinese_chars), which
the tests build with `BertTokenizer(vocabulary:normalizer:)`.
"""
import json
import os
import random
import sys
import unicodedata

import tokenizers
from tokenizers import Tokenizer, normalizers, pre_tokenizers

FORMAT_VERSION = 1
SEED = 20261129
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizer")
SENTENCES = os.path.join(ROOT, "Tests", "Fixtures", "models", "sentences.txt")
MINILM = os.path.join(ROOT, "models", "all-MiniLM-L6-v2", "tokenizer.json")
MPNET = os.path.join(ROOT, "models", "all-mpnet-base-v2", "tokenizer.json")
COUNT = 400       # strings checked against both saved tokenizers
VARIANT_COUNT = 120  # the first strings, checked under each flag variant

# (name, clean_text, handle_chinese_chars, strip_accents, lowercase)
VARIANTS = [
    ("cased", True, True, None, False),
    ("lower-keep-accents", True, True, False, True),
    ("cased-strip-accents", True, True, True, False),
    ("no-clean-text", False, True, None, True),
    ("no-chinese-chars", True, False, None, True),
]

ACCENTED = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßĀāĂăĄąĆćČčĎďĐđĒēĘęĚěĞğĪīİıĹĺĽľŁłŃńŇňŌōŐőŒœŘřŚśŞşŠšŢţŤťŪūŮůŰűŸŹźŻżŽžǅǆǈǋǲẞṠṡẞỳỲ"
LETTERS_OTHER = "ΣΊΣΥΦΟΣσςάέήίόύώΆΈΉΪΫΐΰПриветМирЁёЙйЇїԱբգ𐐀𐐨𝐀𝔄ÅKΩﬁﬂﬃＡＢＣａｂｃ１２３ǄǇǊǱ"
COMBINING = ["\u0300", "\u0301", "\u0302", "\u0308", "\u0327", "\u0307", "\u0345", "\u1ab0",
             "\u20d0", "\u20dd", "\u0903", "\u093c", "\u3099", "\u309a", "\ufe0f", "\U0001d165"]
CJK = ["中文字符", "日本語", "\u3400\u4dbf", "\U00020000\U0002a6df", "\U0002a700", "\U0002b740",
       "\U0002b820", "\U0002b920", "\U0002ceb0", "\U00030000", "\U00031350", "\uf900\ufa0a",
       "\U0002f800", "\u9fff\u9fa5", "\u3007", "々"]
KANA_HANGUL = ["がぎぐげご", "パピプ", "ガギ", "한국어", "텍스트", "\u1100\u1161\u11a8", "ㄱㅏ", "ﾊﾟ"]
WHITESPACE = ["\u00a0", "\u1680", "\u2000", "\u2003", "\u200a", "\u2028", "\u2029", "\u202f",
              "\u205f", "\u3000", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85"]
CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u00ad", "\u200b", "\u200c", "\u200d",
           "\u200e", "\u2060", "\ufeff", "\ue000", "\U000f0000", "\ufffd", "\u0378", "\uffff",
           "\U000e0001", "\U000e0041", "\u061c", "\U0001bca0"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + [
    "«", "»", "„", "“", "”", "‘", "’", "—", "–", "…", "¿", "¡", "§", "¶", "·", "、", "。", "「", "」",
    "！", "？", "（", "）", "‐", "‿", "⁅", "⸘", "〜", "﹏", "・", "׳", "؟", "।", "\U0001e95e", "\U00016af5"]
SYMBOLS = ["$", "€", "£", "¥", "©", "®", "°", "±", "×", "÷", "∑", "√", "∞", "≠", "→", "★", "♥", "☃",
           "😀", "👍🏽", "🇫🇷", "❤️", "👨\u200d👩\u200d👧", "🫠", "🪿", "\U0001faf8", "^", "`", "¨", "´", "˜"]
ADDED = ["[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "[cls]", "[MASK", "<s>", "</s>", "<pad>",
         "<mask>", " <mask>", "<unk>", "<UNK>", "[UNK][UNK]", "<s></s>"]
NEWER = ["\u0c5d", "\U0001f6dc", "\U0001fa77", "\U00011f00", "\U0001e4d0", "\U0002ebf0",
         "\u0cf3", "\U000323af", "\U0001b132", "\U0001f7f0"]


def random_scalar(rng):
    """A scalar of any plane, not a surrogate."""
    plane = rng.choice([0, 0, 0, 0, 1, 2, 3, 14, 15])
    while True:
        c = plane * 0x10000 + rng.randrange(0x10000)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def edit_word(word, rng):
    k = rng.randrange(22)
    if k == 0:
        return word.upper()
    if k == 1:
        return word.capitalize()
    if k == 2:
        return "".join(rng.choice(ACCENTED) if ch in "aeiouyc" and rng.random() < 0.5 else ch
                       for ch in word)
    if k == 3:
        i = rng.randrange(len(word) + 1)
        return word[:i] + "".join(rng.choice(COMBINING) for _ in range(rng.randrange(1, 3))) + word[i:]
    if k == 4:
        return word + rng.choice(CJK) + (word if rng.random() < 0.5 else "")
    if k == 5:
        return rng.choice(KANA_HANGUL) + word
    if k == 6:
        return word + rng.choice(WHITESPACE) + rng.choice(WHITESPACE)
    if k == 7:
        i = rng.randrange(len(word) + 1)
        return word[:i] + rng.choice(CONTROL) + word[i:]
    if k == 8:
        return rng.choice(PUNCT) + word + rng.choice(PUNCT)
    if k == 9:
        return word + rng.choice(SYMBOLS)
    if k == 10:
        return rng.choice(ADDED) + word if rng.random() < 0.5 else word + rng.choice(ADDED)
    if k == 11:
        return "".join(rng.choice(LETTERS_OTHER) for _ in range(rng.randrange(1, 6)))
    if k == 12:
        return word + "".join(random_scalar(rng) for _ in range(rng.randrange(1, 4)))
    if k == 13:
        return rng.choice(NEWER) + word
    if k == 14:
        # Around the 100-scalar limit, before and after normalisation: ﬁ
        # lowercases to itself, İ to two scalars, a CJK ideograph is cut off.
        n = rng.choice([98, 99, 100, 101])
        return "a" * n + rng.choice(["", "İ", "ﬁ", "é", "e\u0301", "中", "x"])
    if k == 15:
        return unicodedata.normalize("NFD", "".join(rng.choice(ACCENTED) for _ in range(4)))
    return word


def make_strings(glosses, rng):
    out = []
    while len(out) < COUNT:
        gloss = rng.choice(glosses)
        words = gloss.split(" ")
        rate = rng.choice([0.1, 0.3, 0.6, 1.0])
        words = [edit_word(w, rng) if w and rng.random() < rate else w for w in words]
        sep = rng.choice([" ", " ", " ", "  ", "\t", "\u3000"])
        out.append(sep.join(words))
    return out


def byte_offsets(text, offsets):
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + len(ch.encode("utf-8")))
    return [(prefix[a], prefix[b]) for a, b in offsets]


def encodings(tok, texts):
    tok.no_padding()
    tok.no_truncation()
    out = []
    for text in texts:
        e = tok.encode(text, add_special_tokens=False)
        flat = []
        for i, (s, t) in zip(e.ids, byte_offsets(text, e.offsets)):
            flat += [i, s, t]
        out.append(flat)
    return out


def ranges(values):
    """Sorted integers as inclusive [first, last] runs."""
    out = []
    for v in values:
        if out and out[-1][1] == v - 1:
            out[-1][1] = v
        else:
            out.append([v, v])
    return out


def scalar_table():
    """Each normaliser step and the pre-tokeniser's class, for every scalar."""
    steps = {
        "clean_text": normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False,
                                                 strip_accents=False, lowercase=False),
        "handle_chinese_chars": normalizers.BertNormalizer(
            clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False),
        "strip_accents": normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                                    strip_accents=True, lowercase=False),
        "lowercase": normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                                strip_accents=False, lowercase=True),
    }
    pre = pre_tokenizers.BertPreTokenizer()
    table = {name: {"removed": [], "space": [], "padded": [], "mapped": []} for name in steps}
    whitespace, punctuation = [], []
    for v in range(0x110000):
        if 0xD800 <= v <= 0xDFFF:
            continue
        c = chr(v)
        words = pre.pre_tokenize_str("a" + c + "a")
        if len(words) == 2:
            whitespace.append(v)
        elif len(words) == 3:
            punctuation.append(v)
        for name, step in steps.items():
            out = step.normalize_str(c)
            if out == c:
                continue
            kind = ("removed" if out == "" else "space" if out == " " and c != " " else
                    "padded" if out == " " + c + " " else None)
            if kind:
                table[name][kind].append(v)
            else:
                table[name]["mapped"].append([v, [ord(x) for x in out]])
    for name in steps:
        for kind in ("removed", "space", "padded"):
            table[name][kind] = ranges(table[name][kind])
    return {"steps": table, "whitespace": ranges(whitespace), "punctuation": ranges(punctuation)}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    glosses = [l for l in open(SENTENCES, encoding="utf-8").read().split("\n") if l]
    strings = make_strings(glosses, rng)
    cases = {"strings": strings, "tokenizers": []}
    for name, path in [("all-MiniLM-L6-v2", MINILM), ("all-mpnet-base-v2", MPNET)]:
        cases["tokenizers"].append({"name": name, "model": "models/" + name, "count": COUNT,
                                    "encodings": encodings(Tokenizer.from_file(path), strings)})
    for name, clean, chinese, strip, lower in VARIANTS:
        tok = Tokenizer.from_file(MINILM)
        tok.normalizer = normalizers.BertNormalizer(clean_text=clean, handle_chinese_chars=chinese,
                                                    strip_accents=strip, lowercase=lower)
        flags = {"clean_text": clean, "handle_chinese_chars": chinese, "strip_accents": strip,
                 "lowercase": lower}
        cases["tokenizers"].append({
            "name": name, "model": "models/all-MiniLM-L6-v2", "normalizer": flags,
            "count": VARIANT_COUNT, "encodings": encodings(tok, strings[:VARIANT_COUNT])})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(OUT, "scalars.json"), "w") as f:
        json.dump(scalar_table(), f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(OUT, "mixed.txt"), "w", encoding="utf-8") as f:
        for s in strings:
            f.write(s.replace("\r", " ").replace("\n", " ") + "\n")
    manifest = {"format_version": FORMAT_VERSION, "generator": "Tests/Fixtures/generate_tokenizer.py",
                "seed": SEED, "python": sys.version.split()[0], "tokenizers": tokenizers.__version__,
                "unicode (python)": unicodedata.unidata_version, "strings": len(strings),
                "variant_strings": VARIANT_COUNT}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
