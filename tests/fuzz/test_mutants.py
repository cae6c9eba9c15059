"""A bounded, seeded slice of bench/fuzz_lint.py: 90 corpus and job-script mutants through the
real `imagesmith lint` entry point; none may exit 3, time out or print a traceback."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz_lint.py"
_spec = importlib.util.spec_from_file_location("fuzz_lint", BENCH)
assert _spec is not None and _spec.loader is not None
fuzz_lint = importlib.util.module_from_spec(_spec)
sys.modules["fuzz_lint"] = fuzz_lint  # @dataclass looks its module up by name
_spec.loader.exec_module(fuzz_lint)


@pytest.mark.skipif(not fuzz_lint.CORPUS.is_dir(), reason="../shared/corpus is not checked out")
def test_mutation_is_seeded() -> None:
    assert fuzz_lint.variants(5, 5, 7, 1.0) == fuzz_lint.variants(5, 5, 7, 1.0)
    assert fuzz_lint.variants(5, 0, 7, 1.0) != fuzz_lint.variants(5, 0, 8, 1.0)


def test_a_crash_is_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness itself must see a failure: a parser that raises makes the variant exit 3."""
    import imagesmith.lint.runner as runner

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def broken(job: object, profile: object) -> None:
        raise RuntimeError("simulated parser bug")

    monkeypatch.setattr(runner, "prepare_dockerfile", broken)
    out = fuzz_lint.lint_one(("x", "Dockerfile", "FROM x\n", 20.0))
    assert out.code == 3 and not out.traceback


def _bench(tmp_path: Path, dockerfiles: int, jobs: int) -> dict:  # type: ignore[type-arg]
    """Run bench/fuzz_lint.py in its own process, under a deadline. Workers forked from pytest hung
    for ever (CI ran out of time): earlier tests had started the Go runtime of the `dockerfile`
    parser in the pytest process, and a forked copy of a Go runtime blocks on a futex."""
    out = tmp_path / "figures.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--dockerfiles", str(dockerfiles), "--jobs", str(jobs),
         "--seed", "18", "--workers", str(min(4, os.cpu_count() or 1)), "--timeout", "20",
         "--json", str(out)],
        capture_output=True, text=True, timeout=900, env=env,
    )
    assert out.is_file(), proc.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert proc.returncode == (1 if figures["failures"] else 0), proc.stderr[-2000:]
    return figures  # type: ignore[no-any-return]


@pytest.mark.skipif(not fuzz_lint.CORPUS.is_dir(), reason="../shared/corpus is not checked out")
def test_mutants_never_exit_3(tmp_path: Path) -> None:
    # a bounded slice of the bench's seed-18 run for every CI run (2 cores); the bench runs
    # 10,000 Dockerfile and 2,000 job-script variants
    figures = _bench(tmp_path, 40, 50)
    assert figures["failures"] == [] and figures["tracebacks"] == 0
    assert sum(figures["exit_codes"].values()) == 90
    assert set(figures["exit_codes"]) <= {"0", "1", "2"}
