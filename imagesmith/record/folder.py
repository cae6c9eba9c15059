"""Writes a recorded build folder: Dockerfile, copied files, .imagesmith/session.json.

Every file is written to a temporary name and renamed into place, so an interrupted run
leaves no half-written file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from imagesmith.core.atomic import write_bytes_atomic
from imagesmith.core.errors import UserInputError
from imagesmith.record.generate import FILES_DIR, Plan

STATE_DIR = ".imagesmith"


def check_output_dir(out_dir: Path, *, force: bool, journal: Path | None = None) -> None:
    """Refuse to overwrite an earlier build folder unless forced."""
    if (out_dir / "Dockerfile").exists() and not force:
        raise UserInputError("a Dockerfile already exists here", where=out_dir,
                             hint="choose another -o folder or pass --force")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError("not a folder", where=out_dir)


def _atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    write_bytes_atomic(path, data, mode=mode)


def write_folder(out_dir: Path, plan: Plan, session: dict[str, Any]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    files_dir = out_dir / FILES_DIR
    staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=".files-"))
    try:
        for rel, fetched in plan.files.items():
            target = staging / rel[len(FILES_DIR) + 1:]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(fetched.data)
            os.chmod(target, fetched.mode & 0o7777)
        if files_dir.exists():
            shutil.rmtree(files_dir)
        if plan.files:
            staging.rename(files_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _atomic_write(out_dir / STATE_DIR / "session.json",
                  (json.dumps(session, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    _atomic_write(out_dir / "Dockerfile", plan.dockerfile.encode("utf-8"))
