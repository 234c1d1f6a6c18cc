#!/usr/bin/env python3
"""Prints the bad-input table of RELIABILITY.md from Tests/Fixtures/bad-inputs/cases.txt.

Run from the repository root after a release build:

    python3 scripts/reliability-table.py > /tmp/table.md

Each case runs as `flar --quiet -e` exactly as BadInputTests runs it; the
table shows the first line of what flar printed (its location prefix cut).
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRELUDE = 'B = "Tests/Fixtures/bad-inputs"; T = "Tests/Fixtures/models/tiny"; '


def main():
    flar = os.path.join(ROOT, ".build", "release", "flar")
    rows = []
    path = os.path.join(ROOT, "Tests", "Fixtures", "bad-inputs", "cases.txt")
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        area, source, _ = line.split(" | ")
        run = subprocess.run([flar, "--quiet", "-e", PRELUDE + source], cwd=ROOT,
                             capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
        first = (run.stderr.strip().splitlines() or ["(no message)"])[0]
        message = first.split(" error: ", 1)[-1]
        cell = lambda s: s.replace("|", "\\|")
        rows.append(f"| {area} | `{cell(source)}` | {cell(message)} | cases.txt:{number} |")
    print("| area | input (`flar -e`) | what flar says | checked by BadInputTests at |")
    print("| --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"\n{len(rows)} cases.", file=sys.stderr)


if __name__ == "__main__":
    main()
