"""Per-rule lint counts and compat verdicts per node group over the real corpus.

    python bench/corpus_report.py [--corpus ../shared/corpus/files] [--json out.json]

Prints lint findings per rule (hadolint merge off) and, for every file, the compat verdict
of each node group; `unknown` verdicts are grouped by the category of their first reason, so
a note can explain every one. Compare two runs (before/after a change) with --compare A B.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_CATEGORIES = [
    ("base image not resolvable (ARG without default)", re.compile(r"cannot be resolved")),
    ("base image unknown (not catalog, not a known CUDA image)", re.compile(r"neither in the profile catalog")),
    ("nvidia/cuda tag not understood", re.compile(r"tag grammar")),
    ("version not understood", re.compile(r"is not understood")),
    ("framework version unresolved", re.compile(r"version .*unknown|cannot be known|unresolved")),
]


def category(reason: str) -> str:
    for name, pattern in _CATEGORIES:
        if pattern.search(reason):
            return name
    return "other: " + reason[:70]


def collect(corpus: Path) -> dict[str, object]:
    from imagesmith.compat.api import compat_for_dockerfile
    from imagesmith.core.errors import ImagesmithError
    from imagesmith.core.profile import load_profile
    from imagesmith.services.lint import LintOptions, lint_paths

    profile = load_profile("default")
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.name != "manifest.tsv")
    report = lint_paths(files, profile, LintOptions(hadolint="off", use_config=False))
    rules = collections.Counter(f.code for f in report.findings)
    verdicts: collections.Counter[str] = collections.Counter()
    unknown: collections.Counter[str] = collections.Counter()
    per_file: dict[str, dict[str, str]] = {}
    for path in files:
        try:
            compat = compat_for_dockerfile(path, profile)
        except ImagesmithError:
            verdicts["(refused: input error)"] += 1
            continue
        per_file[path.name] = {}
        for g in compat.groups:
            verdict = getattr(g.verdict, "value", g.verdict)  # a plain string before enums
            verdicts[f"{g.name} {verdict}"] += 1
            per_file[path.name][g.name] = verdict
            if verdict == "unknown":
                unknown[f"{g.name}: {category(g.reasons[0])}"] += 1
    return {
        "files": len(files),
        "rules": dict(sorted(rules.items())),
        "verdicts": dict(sorted(verdicts.items())),
        "unknown_by_category": dict(sorted(unknown.items())),
        "per_file": per_file,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "files")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        a, b = (json.loads(p.read_text()) for p in args.compare)
        for key in ("rules", "verdicts"):
            print(f"{key}:")
            for name in sorted(set(a[key]) | set(b[key])):
                x, y = a[key].get(name, 0), b[key].get(name, 0)
                print(f"  {name:45} {x:5} -> {y:5}" + ("" if x == y else f"  ({y - x:+})"))
        return 0
    data = collect(args.corpus)
    if args.json:
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(f"{data['files']} files")
    for key in ("rules", "verdicts", "unknown_by_category"):
        print(f"{key}:")
        for name, n in data[key].items():  # type: ignore[attr-defined]
            print(f"  {name:60} {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
