"""Second opinion: how often imagesmith's verdicts agree with the cases taken from hadolint's
and BuildKit's test suites (tests/secondopinion/cases), per rule and in total.

    python bench/second_opinion.py [--json] [--verbose]

Each case states the verdict the real semantics call for; a disagreement is listed with the
case's `xfail_reason` when the test suite already knows it ("known"), else as "NEW".
Exit status 1 when a disagreement is not marked known or a known one now agrees (the test
suite's strict xfail would turn red the same way).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from imagesmith.core.profile import load_profile  # noqa: E402
from tests.secondopinion.corpus import Verdict, judge, load_cases  # noqa: E402


def run() -> list[Verdict]:
    profile = load_profile("default")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="secondopinion-") as tmp:
        for i, case in enumerate(load_cases()):
            work = Path(tmp) / str(i)
            work.mkdir()
            verdicts.append(judge(case, profile, work))
    return verdicts


def summary(verdicts: list[Verdict]) -> dict:
    rules: dict[str, dict] = defaultdict(lambda: {"agree": 0, "disagree": 0, "cases": []})
    for v in verdicts:
        row = rules[v.case.rule]
        row["agree" if v.agrees else "disagree"] += 1
        if not v.agrees:
            row["cases"].append({
                "case": v.case.id,
                "detail": v.explain(),
                "known": bool(v.case.xfail_reason),
                "reason": v.case.xfail_reason,
            })
    stale = [v.case.id for v in verdicts if v.agrees and v.case.xfail_reason]
    return {
        "cases": len(verdicts),
        "agree": sum(v.agrees for v in verdicts),
        "disagree": sum(not v.agrees for v in verdicts),
        "fire_cases": sum(v.case.expect == "fire" for v in verdicts),
        "quiet_cases": sum(v.case.expect == "quiet" for v in verdicts),
        "differs_on_purpose": sum(bool(v.case.differs_on_purpose) for v in verdicts),
        "upstreams": {
            up: sum(v.case.folder.parent.name == up for v in verdicts)
            for up in sorted({v.case.folder.parent.name for v in verdicts})
        },
        "stale_xfail": stale,
        "rules": dict(sorted(rules.items())),
    }


def print_text(s: dict, seconds: float, verbose: bool) -> None:
    print(f"second opinion: {s['cases']} cases ({s['fire_cases']} fire, {s['quiet_cases']} quiet; "
          + ", ".join(f"{k} {n}" for k, n in s["upstreams"].items())
          + f"; {s['differs_on_purpose']} differ from upstream on purpose) in {seconds:.1f}s")
    print(f"{'rule':7} {'cases':>5} {'agree':>5} {'disagree':>8}")
    for rule, row in s["rules"].items():
        print(f"{rule:7} {row['agree'] + row['disagree']:5} {row['agree']:5} {row['disagree']:8}")
    pct = 100.0 * s["agree"] / s["cases"] if s["cases"] else 0.0
    print(f"{'total':7} {s['cases']:5} {s['agree']:5} {s['disagree']:8}   ({pct:.1f}% agree)")
    for rule, row in s["rules"].items():
        for c in row["cases"]:
            tag = "known" if c["known"] else "NEW  "
            print(f"  {tag} {c['detail']}")
            if verbose and c["reason"]:
                print(f"        xfail_reason: {c['reason']}")
    for case in s["stale_xfail"]:
        print(f"  FIXED {case}: agrees now; remove its xfail_reason")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--verbose", action="store_true", help="show each known disagreement's reason")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    s = summary(run())
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps({**s, "seconds": round(seconds, 2)}, indent=2))
    else:
        print_text(s, seconds, args.verbose)
    new = [c for row in s["rules"].values() for c in row["cases"] if not c["known"]]
    return 1 if new or s["stale_xfail"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
