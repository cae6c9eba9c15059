#!/usr/bin/env python3
"""`imagesmith review` over the generated hostile-bundle set (tests/bundle/hostile_set.py), each
bundle in a real process with its own TMPDIR, as an admin would run it.

    python3 bench/hostile_review.py [--json FILE]

Prints cases, exit codes, the refusals that are not one line or do not name the member, temp
folders left non-empty, anything written outside, the slowest case; exit 1 on any exit 3,
traceback, leftover or escape.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bundle.hostile_set import Case, cases  # noqa: E402


def review_one(case: Case, work: Path) -> dict[str, object]:
    work.mkdir(parents=True)
    bundle = case.write(work / "bundle.tar.gz")
    sandbox = work / "tmpdir"
    sandbox.mkdir()
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "imagesmith", "review", str(bundle)],
                          cwd=work, env={**os.environ, "TMPDIR": str(sandbox)},
                          capture_output=True, text=True, errors="replace", timeout=120)
    seconds = time.monotonic() - start
    lines = proc.stderr.strip().splitlines()
    return {
        "case": case.name, "code": proc.returncode, "seconds": round(seconds, 2),
        "traceback": "Traceback" in proc.stderr + proc.stdout,
        "one_line": proc.returncode != 2 or len(lines) == 1,
        "named": not case.names or case.names in proc.stderr or proc.returncode != 2,
        "leftover": sorted(p.name for p in sandbox.iterdir()),
        "escaped": sorted(p.name for p in work.iterdir() if p.name not in ("bundle.tar.gz", "tmpdir")),
        "stderr": proc.stderr[-300:],
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    opts = ap.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="hostile-"))
    start = time.monotonic()
    results = [review_one(c, base / f"{i:03d}") for i, c in enumerate(cases())]
    bad = [r for r in results if r["code"] == 3 or r["traceback"] or r["leftover"] or r["escaped"]
           or not r["one_line"] or not r["named"]]
    slowest = max(results, key=lambda r: r["seconds"])  # type: ignore[arg-type, return-value]
    figures = {
        "cases": len(results), "exit_codes": dict(sorted(Counter(r["code"] for r in results).items())),
        "not_one_line": sum(not r["one_line"] for r in results),
        "member_not_named": sum(not r["named"] for r in results),
        "tmpdir_left_non_empty": sum(bool(r["leftover"]) for r in results),
        "written_outside": sum(bool(r["escaped"]) for r in results),
        "slowest": {"case": slowest["case"], "seconds": slowest["seconds"]},
        "wall_seconds": round(time.monotonic() - start, 1),
        "not_refused": [f"{r['case']} (exit {r['code']})" for r in results if r["code"] != 2],
        "failures": [{k: r[k] for k in ("case", "code", "stderr")} for r in bad],
    }
    text = json.dumps(figures, indent=2, ensure_ascii=True)
    print(text)
    if opts.json:
        opts.json.write_text(text + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
