#!/usr/bin/env python3
"""Write docs/rules/*.md from the rule modules (`--check`: exit 1 if they are out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imagesmith.rules.docs import index_markdown, rule_markdown  # noqa: E402
from imagesmith.rules.registry import all_rules  # noqa: E402


def expected() -> dict[str, str]:
    rules = all_rules()
    files = {"README.md": index_markdown(rules)}
    files.update({f"{r.code}.md": rule_markdown(r) for r in rules})
    return files


def main(argv: list[str]) -> int:
    out = ROOT / "docs" / "rules"
    files = expected()
    if "--check" in argv:
        stale = [
            n
            for n, text in files.items()
            if not (out / n).is_file() or (out / n).read_text() != text
        ]
        extra = [p.name for p in out.glob("*.md") if p.name not in files] if out.is_dir() else []
        for name in stale + extra:
            print(f"docs/rules/{name} is out of date; run scripts/gen_rule_docs.py")
        return 1 if stale or extra else 0
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    for path in out.glob("*.md"):
        if path.name not in files:
            path.unlink()
    print(f"wrote {len(files)} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
