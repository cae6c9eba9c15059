"""Shared fixtures: the real Docker engine, the local base images, scratch build folders,
and a CLI runner.

Engine-backed tests use the project's own set-up script (scripts/test-env.sh). When the
engine is missing they FAIL under CI=true and skip only on a developer machine without root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
SETUP_SCRIPT = REPO / "scripts" / "test-env.sh"
SHARED = REPO.parent / "shared"

BUSYBOX = "imagesmith/busybox:latest"
DEBIAN = "imagesmith/debian:bookworm"
DEEPO_9 = "bit:5000/deepo_9"
DEEPO = "bit:5000/deepo"
NV_TF_1705 = "bit:5000/nvidia-tensorflow-17.05"
ALL_IMAGES = (BUSYBOX, DEBIAN, DEEPO_9, DEEPO, NV_TF_1705)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _engine_ready() -> str | None:
    """None when the engine answers and every base image exists, else what is missing."""
    from imagesmith.core.errors import EngineUnavailable
    from imagesmith.engine import Engine

    try:
        with Engine.connect(timeout=5) as eng:
            missing = [ref for ref in ALL_IMAGES if not eng.image_exists(ref)]
    except EngineUnavailable as exc:
        return exc.one_line()
    return f"missing images: {', '.join(missing)}" if missing else None


_SETUP_RESULT: dict[str, str | None] = {}


def ensure_test_env() -> None:
    """Run the set-up script once per test session if anything is missing; fail or skip."""
    if "problem" not in _SETUP_RESULT:
        problem = _engine_ready()
        if problem is not None and os.geteuid() == 0:
            proc = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True)
            problem = _engine_ready()
            if problem is not None:
                problem += f"\n{SETUP_SCRIPT} said:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        _SETUP_RESULT["problem"] = problem
    problem = _SETUP_RESULT["problem"]
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"Docker engine test environment not available in CI: {problem}", pytrace=False)
    pytest.skip(f"no Docker engine test environment here ({problem}); run scripts/test-env.sh as root")


@pytest.fixture(scope="session")
def test_env() -> None:
    ensure_test_env()


@pytest.fixture()
def engine(test_env: None) -> Iterator["Engine"]:  # noqa: F821
    from imagesmith.engine import Engine

    with Engine.connect() as eng:
        yield eng
    with Engine.connect() as check:
        leftover = check.leftovers(eng.session_id)
    assert not leftover, f"engine session left containers behind: {leftover}"


@pytest.fixture()
def scratch_dir(tmp_path: Path) -> Path:
    """An empty build folder named like the cluster's (`dockertmp`)."""
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    return folder


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def sigint_default() -> None:
    """Popen(preexec_fn=...) for a child that a test interrupts: a shell starts background jobs
    with SIGINT ignored, and Python keeps an inherited SIG_IGN (so Ctrl-C tests would pass or
    fail by how the suite was started)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 600) -> CliResult:
    """Run `python -m imagesmith` as a real process: real exit codes, real streams."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("IMAGESMITH_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "imagesmith", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, input=input, timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture()
def cli() -> object:
    return run_cli
