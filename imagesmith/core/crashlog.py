"""Crash logs: one file per internal failure, under the user cache, at most `KEEP` of them.

    path = write_crash_log(exc, {"imagesmith": "1.2"})

Used by the process entry point (a crash that ends the run) and by the lint runner (a crash
on one file, the others still linted). Oldest logs beyond `KEEP` are removed on each write,
so an afternoon of crashes cannot fill the disk.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping
from pathlib import Path

KEEP = 50
_PREFIX = "crash-"


def crash_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "imagesmith"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path(tempfile.gettempdir())
    return base


def _rotate(folder: Path, keep: int) -> None:
    try:
        logs = [p for p in folder.glob(f"{_PREFIX}*.log") if p.is_file()]
        logs.sort(key=lambda p: (p.stat().st_mtime, p.name))
    except OSError:
        return
    for old in logs[: max(0, len(logs) - keep)]:
        try:
            old.unlink()
        except OSError:
            pass  # another process removed it, or it is not ours to remove


def write_crash_log(
    exc: BaseException, details: Mapping[str, str] | None = None, *, keep: int = KEEP
) -> Path:
    """Write `exc` with its traceback (and `details`: versions, the file being linted) to a new
    log; returns its path. Rotates so that at most `keep` logs remain."""
    folder = crash_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # mkstemp: two crashes in the same second of one process (lint, several files) get two logs
    fd, name = tempfile.mkstemp(prefix=f"{_PREFIX}{stamp}-{os.getpid()}-", suffix=".log",
                                dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(f"imagesmith crash, argv={sys.argv!r}\n")
        for key, value in (details or {}).items():
            fh.write(f"{key}: {value}\n")
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=fh)
    _rotate(folder, keep)
    return Path(name)
