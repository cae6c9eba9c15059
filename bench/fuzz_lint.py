#!/usr/bin/env python3
"""Seeded corpus-mutation run of `imagesmith lint` (issue 18): no input may exit 3.

    python3 bench/fuzz_lint.py --dockerfiles 10000 --jobs 2000 --seed 18 --workers 16

Mutates the corpus Dockerfiles (../shared/corpus/files) and the job-script cases
(tests/jobs/data) -- byte flips, line deletion and duplication, inserted \\r \\f \\x85 U+2028,
quote and brace deletion, huge numbers -- and runs the real CLI entry point
(`imagesmith.cli.main.run(["lint", FILE])`) in worker processes, each file under a wall-clock
alarm. Prints variants, exit-code counts, peak RSS (worker and external checkers) and the
slowest file; exit 1 if any variant exited 3, printed a traceback or timed out.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import random
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "files"
JOBS = ROOT / "tests" / "jobs" / "data"
INSERTS = ["\r", "\f", "\x85", "\u2028", "\r\r\n", "\\", "\\\n", "\x00", "\t"]
HUGE = ["9" * 4301, "18446744073709551617", "-1", "1e999", "0" * 500 + "1"]


def mutate(text: str, rng: random.Random, rounds: int = 3) -> str:
    """One seeded variant of `text`: `rounds` mutations picked from the issue's list."""
    for _ in range(rng.randint(1, rounds)):
        op = rng.randrange(7)
        lines = text.split("\n")
        if op == 0 and text:  # flip a byte (kept as text: decode the way lint reads files)
            data = bytearray(text.encode("utf-8"))
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
            text = data.decode("utf-8", errors="replace")
        elif op == 1 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif op == 2 and lines:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == 3:
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(INSERTS) + text[i:]
        elif op == 4:
            spots = [i for i, ch in enumerate(text) if ch in "'\"{}()[]`"]
            if spots:
                i = rng.choice(spots)
                text = text[:i] + text[i + 1:]
        elif op == 5:
            digits = [i for i, ch in enumerate(text) if ch.isdigit()]
            if digits:
                i = rng.choice(digits)
                text = text[:i] + rng.choice(HUGE) + text[i + 1:]
        else:  # truncate: an instruction cut mid-way, a continuation at end of file
            text = text[: rng.randrange(len(text) + 1)]
    return text


@dataclass
class Outcome:
    label: str
    code: int
    seconds: float
    traceback: bool
    maxrss_kb: int
    child_maxrss_kb: int


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError


def lint_one(args: tuple[str, str, str, float]) -> Outcome:
    """Lint one variant through the CLI entry point; 124 when it ran past `timeout`."""
    from imagesmith.cli.main import run

    label, name, text, timeout = args
    folder = Path(tempfile.mkdtemp(prefix="fuzz-lint-"))
    path = folder / name
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["lint", "--no-config", str(path)])
    except TimeoutError:
        code = 124
    except BaseException as exc:  # noqa: BLE001 - anything escaping run() is a finding
        err.write(f"Traceback (escaped run): {type(exc).__name__}: {exc}\n")
        code = 3
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.monotonic() - start
    path.unlink()
    folder.rmdir()
    return Outcome(
        label, code, seconds, "Traceback" in err.getvalue() or "Traceback" in out.getvalue(),
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )


def variants(n_docker: int, n_jobs: int, seed: int, timeout: float) -> list[tuple[str, str, str, float]]:
    rng = random.Random(seed)
    dockerfiles = sorted(p for p in CORPUS.iterdir() if p.is_file())
    jobs = sorted(JOBS.glob("*.pbs"))
    out = []
    for i in range(n_docker):
        src = dockerfiles[i % len(dockerfiles)]
        text = mutate(src.read_bytes().decode("utf-8", errors="replace"), rng)
        out.append((f"{src.name}#{i}", "Dockerfile", text, timeout))
    for i in range(n_jobs):
        src = jobs[i % len(jobs)]
        out.append((f"{src.name}#{i}", "job.pbs", mutate(src.read_text(), rng), timeout))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dockerfiles", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per file")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    opts = ap.parse_args(argv)
    os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="fuzz-cache-"))
    work = variants(opts.dockerfiles, opts.jobs, opts.seed, opts.timeout)
    start = time.monotonic()
    # spawn, not fork: the Dockerfile parser is Go code (the `dockerfile` package), and a Go runtime
    # started in a parent does not survive fork -- a forked worker blocks on a futex for ever
    with ProcessPoolExecutor(opts.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = list(pool.map(lint_one, work, chunksize=8))
    codes = Counter(o.code for o in outcomes)
    bad = [o for o in outcomes if o.code in (3, 124) or o.traceback]
    slowest = max(outcomes, key=lambda o: o.seconds)
    figures = {
        "seed": opts.seed,
        "variants": {"dockerfiles": opts.dockerfiles, "job_scripts": opts.jobs},
        "exit_codes": dict(sorted(codes.items())),
        "tracebacks": sum(o.traceback for o in outcomes),
        "peak_rss_worker_mib": round(max(o.maxrss_kb for o in outcomes) / 1024, 1),
        "peak_rss_checker_mib": round(max(o.child_maxrss_kb for o in outcomes) / 1024, 1),
        "slowest": {"file": slowest.label, "seconds": round(slowest.seconds, 2)},
        "wall_seconds": round(time.monotonic() - start, 1),
        "failures": [o.label for o in bad[:20]],
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if opts.json:
        opts.json.write_text(text + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
