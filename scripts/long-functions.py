#!/usr/bin/env python3
"""Lists Swift functions, initialisers and builtin bodies longer than a limit.

Usage: scripts/long-functions.py [LIMIT] [DIR...]   (defaults: 60, Sources)

A declaration is a line holding `func NAME`, `init(` or `Builtin(`; its
length runs from that line (for a builtin, from its body's opening brace) to
the line that closes the brace it opens (string and comment contents are
skipped when counting braces). A function
above the limit should be split, or carry a `// Long because …` comment on
one of the lines just above it, which this script prints beside it.
"""
import os
import re
import sys

DECLARATION = re.compile(r"\b(func\s+[\w<>]+|init\??\s*[(<]|Builtin\()")


def code_only(line, in_block):
    """The line without comments and string contents; and whether a block comment stays open."""
    out, i, in_string = [], 0, False
    while i < len(line):
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block = end + 2, False
            continue
        c = line[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block, i = True, i + 2
            continue
        if c == '"':
            in_string = True
        out.append(c)
        i += 1
    return "".join(out), in_block


def scan(path, limit):
    lines = open(path, encoding="utf-8").read().split("\n")
    cleaned, in_block, in_multiline = [], False, False
    for line in lines:
        if line.count('"""') == 1:
            in_multiline = not in_multiline
            cleaned.append("")
            continue
        if in_multiline:
            cleaned.append("")
            continue
        code, in_block = code_only(line, in_block)
        cleaned.append(code)
    found = []
    for start, code in enumerate(cleaned):
        match = DECLARATION.search(code)
        if not match:
            continue
        # A builtin's body is its trailing closure, after the signature and help.
        builtin = match.group(1) == "Builtin("
        depth, opened, body = 0, False, start
        for end in range(start, len(cleaned)):
            for c in cleaned[end]:
                if c == "{":
                    if not opened:
                        body = end
                    depth, opened = depth + 1, True
                elif c == "}":
                    depth -= 1
            if opened and depth <= 0:
                break
            if not opened and end > start + (80 if builtin else 8):
                break
        if not opened:
            continue
        length = end - (body if builtin else start) + 1
        if length > limit:
            above = " ".join(l.strip() for l in lines[max(0, start - 4):start])
            reason = "reason given" if "Long because" in above else ""
            found.append((length, path, start + 1, lines[start].strip()[:70], reason))
    return found


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    roots = sys.argv[2:] or ["Sources"]
    found = []
    for root in roots:
        for directory, _, files in os.walk(root):
            for name in sorted(files):
                if name.endswith(".swift"):
                    found += scan(os.path.join(directory, name), limit)
    for length, path, line, text, reason in sorted(found, reverse=True):
        print(f"{length:4d}  {path}:{line}  {text}  {reason}".rstrip())


if __name__ == "__main__":
    main()
