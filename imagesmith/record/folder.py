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
                  (json.dumps(session, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), 0o600)
    write_dockerignore(out_dir)
    _atomic_write(out_dir / "Dockerfile", plan.dockerfile.encode("utf-8"))


def make_state_dir(out_dir: Path, owner: tuple[int, int] | None = None) -> Path:
    """The session's state folder (journal, snapshots), mode 0700: the journal holds every
    command typed, tokens included. `owner` (uid, gid) when the session runs as another user."""
    state = out_dir / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    if owner is not None and owner != (os.getuid(), os.getgid()):
        try:
            os.chown(state, *owner)
        except PermissionError:
            raise UserInputError(
                f"cannot give the session's state folder to uid {owner[0]}", where=state,
                hint="run record as root, or without --run-arg -u") from None
    return state


def write_dockerignore(out_dir: Path) -> None:
    """Keep the state folder out of every build context (and so out of bundles): add it to the
    folder's .dockerignore, keeping what the user wrote there."""
    path = out_dir / ".dockerignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    if STATE_DIR in (line.strip().rstrip("/") for line in lines):
        return
    if not lines:
        lines = ["# written by imagesmith record: the session journal is not part of the build"]
    _atomic_write(path, ("\n".join([*lines, STATE_DIR]) + "\n").encode("utf-8"))
