#!/usr/bin/env python3
"""Derive data/licenses.txt: 400 sentences of software-licence text.

    derive_licenses.py --out data/ [--licenses /usr/share/common-licenses] [-q]
    derive_licenses.py --check data/ [-q]

A second evaluation text from another domain than WordNet: flar calibrates
and searches on WordNet glosses (short dictionary definitions), and nothing
of it ever sees this text. Licence prose is legal English — long sentences
of conditions, definitions and obligations, a vocabulary of its own
("licensee", "sublicense", "warranty") — so the mean cosine to the dense
model on it says how a compression chosen on glosses carries to text unlike
them.

Source: the licence texts Debian ships in package base-files under
/usr/share/common-licenses, read in this fixed order: GPL-3, GPL-2,
LGPL-2.1, LGPL-3, Apache-2.0, MPL-2.0, Artistic, GFDL-1.3, CC0-1.0. They are
the canonical texts of their licences, identical on every Debian or Ubuntu
machine; the output's sha256 is checked against the one below, so a machine
whose files differ says so instead of measuring on other text.

Sentences: whitespace collapsed to single spaces; split after ". ; ? !"
followed by a space and an upper-case letter, a quote or "("; kept when they
have 8 to 60 words; duplicates (case-insensitive) dropped; the first 400 in
file order. Standard library only, deterministic. Written atomically.
"""

import argparse
import hashlib
import os
import re
import sys
import tempfile

FILES = ("GPL-3", "GPL-2", "LGPL-2.1", "LGPL-3", "Apache-2.0", "MPL-2.0", "Artistic",
         "GFDL-1.3", "CC0-1.0")
COUNT = 400
NAME = "licenses.txt"
EXPECTED_SHA256 = "c489292c2fb5f35d4676e6b8d885f857c85e6b91f080ea4ef5b1ed8ad261b5bd"
SPLIT = re.compile(r"(?<=[.;?!])\s+(?=[A-Z\"(])")


def sentences(folder):
    out, seen = [], set()
    for name in FILES:
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8") as f:
            text = re.sub(r"\s+", " ", f.read()).strip()
        for s in SPLIT.split(text):
            s = s.strip()
            if not 8 <= len(s.split()) <= 60 or s.lower() in seen:
                continue
            seen.add(s.lower())
            out.append(s)
            if len(out) == COUNT:
                return out
    raise SystemExit(f"derive_licenses.py: only {len(out)} sentences in {folder}, need {COUNT}")


def digest(lines):
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out")
    p.add_argument("--check")
    p.add_argument("--licenses", default="/usr/share/common-licenses")
    p.add_argument("-q", action="store_true")
    a = p.parse_args()
    if a.check:
        path = os.path.join(a.check, NAME)
        if not os.path.exists(path):
            sys.exit(f"derive_licenses.py: {path} missing")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if len(lines) != COUNT or digest(lines) != EXPECTED_SHA256:
            sys.exit(f"derive_licenses.py: {path} differs from the expected text "
                     f"({len(lines)} lines, sha256 {digest(lines)})")
        if not a.q:
            print(f"{path}: {COUNT} sentences, sha256 {EXPECTED_SHA256}")
        return
    if not a.out:
        p.error("--out or --check is required")
    for name in FILES:
        if not os.path.exists(os.path.join(a.licenses, name)):
            sys.exit(f"derive_licenses.py: {os.path.join(a.licenses, name)} missing "
                     "(Debian package base-files)")
    lines = sentences(a.licenses)
    if digest(lines) != EXPECTED_SHA256:
        sys.exit(f"derive_licenses.py: the licence texts in {a.licenses} differ from the ones "
                 f"this data was defined on (sha256 {digest(lines)}, expected {EXPECTED_SHA256})")
    os.makedirs(a.out, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=a.out, prefix=".licenses.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, os.path.join(a.out, NAME))
    if not a.q:
        print(f"{os.path.join(a.out, NAME)}: {len(lines)} sentences, sha256 {digest(lines)}")


if __name__ == "__main__":
    main()
