"""What to lint: files, build folders and trees become targets; which files are job scripts."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from imagesmith.core.errors import UserInputError

DOCKERFILE_PATTERNS = (
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
    "*.dockerfile",
    "Containerfile",
    "Containerfile.*",
)
JOB_SCRIPT_SUFFIXES = (".pbs",)
_JOB_SNIFF_SUFFIXES = (".sh", ".job", ".qsub", ".bash")  # sniffed for #PBS lines in tree walks
_SNIFF_BYTES = 64 * 1024
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
_NEAR_MISSES = {"dockerfile", "dockerfile.txt", "dockerfile.dockerfile", "containerfile"}


@dataclass(frozen=True)
class LintTarget:
    path: Path
    context: Path | None  # build folder for context checks
    misnamed: bool = False  # in a build folder without a file named exactly `Dockerfile`


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in DOCKERFILE_PATTERNS)


def is_job_script(path: Path, text: str | None = None) -> bool:
    """A `.pbs` file, or a file with a line starting `#PBS` (read when `text` is None)."""
    from imagesmith.parse.jobscript import PBS_PREFIX

    if path.suffix.lower() in JOB_SCRIPT_SUFFIXES:
        return True
    if text is None:
        try:
            with path.open("rb") as fh:
                text = fh.read(_SNIFF_BYTES).decode("utf-8", errors="replace")
        except OSError:
            return False
    return any(line.startswith(PBS_PREFIX) for line in text.splitlines())


def _job_script_candidate(path: Path) -> bool:
    """In directory walks: `*.pbs`, or a shell-like file with `#PBS` lines."""
    suffix = path.suffix.lower()
    if suffix in JOB_SCRIPT_SUFFIXES:
        return True
    return suffix in _JOB_SNIFF_SUFFIXES and is_job_script(path)


def _near_misses(folder: Path) -> list[Path]:
    """Files meant as the build folder's `Dockerfile` under a slightly different name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower() in _NEAR_MISSES)


def discover(paths: Sequence[Path]) -> list[LintTarget]:
    """Lint targets for files, build folders and directory trees (missing paths: exit 2)."""
    targets: list[LintTarget] = []
    for path in paths:
        if path.is_file():
            targets.append(LintTarget(path, None))
        elif path.is_dir():
            targets.extend(_discover_folder(path))
        elif path.exists():
            raise UserInputError(
                "not a regular file (a FIFO, socket or device)", where=path,
                hint="give a Dockerfile, a job script or a build folder",
            )
        else:
            raise UserInputError(
                "no such file or folder", where=path, hint="give a Dockerfile or a build folder"
            )
    return targets


def _discover_folder(folder: Path) -> list[LintTarget]:
    exact = folder / "Dockerfile"
    if exact.is_file():
        return [LintTarget(exact, folder)]
    near = _near_misses(folder)
    if near:
        return [LintTarget(p, folder, misnamed=True) for p in near]
    found: list[LintTarget] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            here = Path(root)
            if not (here / name).is_file():  # FIFOs, sockets, devices: reading one would block
                continue
            if is_dockerfile_name(name):
                found.append(LintTarget(here / name, here if name == "Dockerfile" else None))
            elif _job_script_candidate(here / name):
                found.append(LintTarget(here / name, None))
    if not found:
        raise UserInputError(
            "no Dockerfile found in this folder or below",
            where=folder,
            hint="a build folder holds a file named exactly `Dockerfile`",
        )
    return found
