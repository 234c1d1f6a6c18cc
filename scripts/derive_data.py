#!/usr/bin/env python3
"""Derive flar's text data from Debian's WordNet 3.0 (package wordnet-base).

    derive_data.py --out data/ [--wordnet /usr/share/wordnet] [-q]
    derive_data.py --check data/ [-q]

Writes, each atomically (temporary file in the same folder, then rename):
  calib.txt       4096 calibration sentences: synset definitions, one per line
  eval_pairs.tsv  1000 lines "definition<TAB>example" from other synsets
  eval.txt        the 1000 definitions of eval_pairs.tsv, same order
  calib_pairs.tsv 4096 lines "lemmas<TAB>definition" for exactly the synsets
                  of calib.txt, same order: the synset's lemma names
                  (underscores as spaces, adjective markers such as "(a)"
                  dropped, joined with ", ") and its definition. The pairs
                  feed fwsvd's contrastive Fisher loss; they come from the
                  calibration synsets only, never from the evaluation ones.
  .version        sha256 of this script (written last; setup.sh compares it)

Standard library only, deterministic: synsets are visited in the order of
sha256("<pos>:<offset>") (pos is n, v, a or r: the data file), which mixes the
parts of speech and does not depend on the clock or on Python's hash seed.

Gloss parsing (see platform-notes.md section 3): the gloss is the text after
" | ".  Examples are the quoted strings found with the regex "[^"]*" (never by
splitting on ';', which breaks examples that contain ';' or are followed by an
"--Author" attribution).  The definition is the text before the first quote,
with the separator before it (';' ':' ',') removed.  Synsets whose gloss has
an odd number of quotes, or whose first quote is not preceded by a separator
(a quoted word inside the definition, "e.g. ..."), are skipped: there are far
more synsets than needed, so only clean ones are used.

Selection: the evaluation pairs are taken first (so they do not depend on the
calibration size), from synsets whose first example has at least
MIN_EXAMPLE_WORDS words; definitions must be unique (case-insensitively: the
tokenizer lowercases) so that retrieval has distinct candidates.  Calibration
sentences then come from the remaining synsets, skipping definitions already
used (case-insensitively), including the evaluation ones, so the two sets are
disjoint by synset and by text.  calib_pairs.tsv only adds the lemma names of
those same synsets: the selection, and so calib.txt, eval.txt and
eval_pairs.tsv, do not depend on it.
"""

import argparse
import hashlib
import os
import re
import sys
import tempfile

N_CALIB = 4096
N_EVAL = 1000
MIN_EXAMPLE_WORDS = 3
POS_FILES = (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))
QUOTED = re.compile(r'"[^"]*"')
ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")
SPACES = re.compile(r"\s+")
EDGE_PUNCT = " ;,:"


def clean(text):
    """Collapse whitespace (tabs and newlines included) and trim separators."""
    return SPACES.sub(" ", text).strip().strip(EDGE_PUNCT).strip()


def parse_gloss(gloss):
    """Return (definition, [examples]) or None when the gloss is not clean."""
    if gloss.count('"') % 2:
        return None
    first = gloss.find('"')
    if first < 0:
        definition, examples = gloss, []
    else:
        before = gloss[:first].rstrip()
        if not before or before[-1] not in ";:,":
            return None
        definition = before[:-1]
        examples = [clean(m.group(0)[1:-1]) for m in QUOTED.finditer(gloss, first)]
    definition = clean(definition)
    if not re.search(r"[A-Za-z]", definition):
        return None
    return definition, examples


def parse_lemmas(head):
    """The lemma names of a data-file line's head, as a query string.

    The head is "offset lex_filenum ss_type w_cnt word lex_id [word lex_id...]
    p_cnt ..." (wndb(5WN)); w_cnt is two hex digits.  Underscores become
    spaces, the adjective position markers "(a)", "(p)", "(ip)" are dropped,
    repeats (case-insensitively) are kept once.
    """
    fields = head.split(" ")
    count = int(fields[3], 16)
    names, seen = [], set()
    for word in fields[4:4 + 2 * count:2]:
        name = clean(ADJ_MARKER.sub("", word).replace("_", " "))
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return ", ".join(names)


def read_synsets(wordnet_dir):
    """Yield (key, definition, examples, lemmas) for every clean synset."""
    for letter, name in POS_FILES:
        path = os.path.join(wordnet_dir, "data." + name)
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("  "):  # licence header
                    continue
                head, sep, gloss = line.partition(" | ")
                if not sep:
                    continue
                offset = head.split(" ", 1)[0]
                parsed = parse_gloss(gloss)
                if parsed is not None:
                    yield ("%s:%s" % (letter, offset), parsed[0], parsed[1],
                           parse_lemmas(head))


def order_key(key):
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def select(synsets):
    synsets = sorted(synsets, key=lambda s: order_key(s[0]))
    used_keys, used_defs = set(), set()
    pairs = []
    for key, definition, examples, _ in synsets:
        if len(pairs) == N_EVAL:
            break
        if not examples or len(examples[0].split()) < MIN_EXAMPLE_WORDS:
            continue
        if definition.lower() in used_defs:
            continue
        used_keys.add(key)
        used_defs.add(definition.lower())
        pairs.append((definition, examples[0], key))
    calib = []
    for key, definition, _, lemmas in synsets:
        if len(calib) == N_CALIB:
            break
        if key in used_keys or definition.lower() in used_defs:
            continue
        used_defs.add(definition.lower())
        calib.append((definition, key, lemmas))
    if len(pairs) < N_EVAL or len(calib) < N_CALIB:
        sys.exit("derive_data: not enough synsets (%d pairs, %d calibration lines)"
                 % (len(pairs), len(calib)))
    return pairs, calib


def write_atomic(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def script_sha256():
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pos_counts(keys):
    counts = {}
    for k in keys:
        counts[k[0]] = counts.get(k[0], 0) + 1
    return " ".join("%s=%d" % (p, counts.get(p, 0)) for p, _ in POS_FILES)


def derive(out_dir, wordnet_dir, quiet):
    os.makedirs(out_dir, exist_ok=True)
    pairs, calib = select(read_synsets(wordnet_dir))
    write_atomic(os.path.join(out_dir, "calib.txt"),
                 "".join(d + "\n" for d, _, _ in calib))
    write_atomic(os.path.join(out_dir, "calib_pairs.tsv"),
                 "".join("%s\t%s\n" % (q, d) for d, _, q in calib))
    write_atomic(os.path.join(out_dir, "eval_pairs.tsv"),
                 "".join("%s\t%s\n" % (d, e) for d, e, _ in pairs))
    write_atomic(os.path.join(out_dir, "eval.txt"),
                 "".join(d + "\n" for d, _, _ in pairs))
    write_atomic(os.path.join(out_dir, ".version"), script_sha256() + "\n")
    if not quiet:
        print("data: calib.txt/calib_pairs.tsv %d lines (%s), eval_pairs.tsv/eval.txt %d (%s)"
              % (len(calib), pos_counts(k for _, k, _ in calib),
                 len(pairs), pos_counts(k for _, _, k in pairs)))


def read_lines(path, errors):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        errors.append("%s: %s" % (path, e.strerror))
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        errors.append("%s: not UTF-8" % path)
        return []
    if text and not text.endswith("\n"):
        errors.append("%s: no final newline" % path)
    if "\r" in text:
        errors.append("%s: contains CR" % path)
    return text.split("\n")[:-1] if text else []


def check_field(path, n, field, errors):
    if not field or field != field.strip():
        errors.append("%s:%d: empty field or stray whitespace" % (path, n))
    if '"' in field or "\t" in field:
        errors.append("%s:%d: quote or tab inside a field" % (path, n))
    if field[-1:] in (";", ",", ":"):
        errors.append("%s:%d: trailing separator" % (path, n))


def check_calib_pairs(path, lines, calib, errors):
    """calib_pairs.tsv: one "lemmas<TAB>definition" line per line of
    calib.txt, with the definition equal to that line (same synset, same
    order)."""
    if len(lines) != len(calib):
        errors.append("%s: %d lines, calib.txt has %d" % (path, len(lines), len(calib)))
    for i, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != 2:
            errors.append("%s:%d: %d fields, expected 2 (lemmas<TAB>definition)"
                          % (path, i, len(fields)))
            continue
        for field in fields:
            check_field(path, i, field, errors)
        if i <= len(calib) and fields[1] != calib[i - 1]:
            errors.append("%s:%d: definition differs from calib.txt line %d" % (path, i, i))


def check(out_dir, quiet):
    errors = []
    calib_path = os.path.join(out_dir, "calib.txt")
    pairs_path = os.path.join(out_dir, "eval_pairs.tsv")
    eval_path = os.path.join(out_dir, "eval.txt")
    calib = read_lines(calib_path, errors)
    pair_lines = read_lines(pairs_path, errors)
    evals = read_lines(eval_path, errors)

    if len(calib) != N_CALIB:
        errors.append("%s: %d lines, expected %d" % (calib_path, len(calib), N_CALIB))
    for i, line in enumerate(calib, 1):
        check_field(calib_path, i, line, errors)
    if len({c.lower() for c in calib}) != len(calib):
        errors.append("%s: duplicate lines" % calib_path)

    if len(pair_lines) != N_EVAL:
        errors.append("%s: %d lines, expected %d" % (pairs_path, len(pair_lines), N_EVAL))
    defs = []
    for i, line in enumerate(pair_lines, 1):
        fields = line.split("\t")
        if len(fields) != 2:
            errors.append("%s:%d: %d fields, expected 2" % (pairs_path, i, len(fields)))
            continue
        for field in fields:
            check_field(pairs_path, i, field, errors)
        defs.append(fields[0])
    if len({d.lower() for d in defs}) != len(defs):
        errors.append("%s: definitions are not unique" % pairs_path)
    if evals != defs:
        errors.append("%s: differs from column 1 of %s" % (eval_path, pairs_path))
    overlap = {d.lower() for d in defs} & {c.lower() for c in calib}
    if overlap:
        errors.append("evaluation and calibration share %d definitions" % len(overlap))

    calib_pairs_path = os.path.join(out_dir, "calib_pairs.tsv")
    check_calib_pairs(calib_pairs_path, read_lines(calib_pairs_path, errors), calib, errors)

    version_path = os.path.join(out_dir, ".version")
    try:
        with open(version_path) as f:
            if f.read().strip() != script_sha256():
                errors.append("%s: made by another version of derive_data.py" % version_path)
    except OSError:
        errors.append("%s: missing" % version_path)

    if errors:
        for e in errors[:20]:
            print("derive_data --check: " + e, file=sys.stderr)
        if len(errors) > 20:
            print("derive_data --check: ... %d more" % (len(errors) - 20), file=sys.stderr)
        return 1
    if not quiet:
        print("data check ok: calib %d (pairs aligned), eval pairs %d, disjoint, unique, clean"
              % (len(calib), len(defs)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", metavar="DIR", help="derive the data into DIR")
    mode.add_argument("--check", metavar="DIR", help="verify the data in DIR")
    ap.add_argument("--wordnet", metavar="DIR", default="/usr/share/wordnet",
                    help="WordNet dict folder (default: %(default)s)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args()
    if args.check:
        return check(args.check, args.quiet)
    derive(args.out, args.wordnet, args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
