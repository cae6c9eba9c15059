"""The build folder: which files it holds, which a COPY/ADD source matches, .dockerignore.

Source matching follows Docker: a source is a path or a Go-style glob (`*` stays inside
one path component) relative to the folder; a matched folder brings everything below it.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable

from imagesmith.parse.dockerfile import Instruction, ParsedDockerfile

_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|git@)", re.I)
_SKIP = {".git"}


@dataclass(frozen=True)
class CopySource:
    instruction: Instruction
    source: str  # as written
    normalized: str  # posix, relative, "" for the folder itself
    outside: bool  # `..` leaves the folder


def local_sources(parsed: ParsedDockerfile) -> list[CopySource]:
    """Sources of COPY/ADD that come from the build folder (not URLs, stages, heredocs)."""
    out: list[CopySource] = []
    for ins in parsed.of("COPY", "ADD"):
        if ins.flag("from") is not None or len(ins.value) < 2:
            continue
        for src in ins.value[:-1]:
            if src.startswith("<<") or _URL.match(src):
                continue
            norm = posixpath.normpath(src.replace("\\", "/")) if src else "."
            outside = norm == ".." or norm.startswith("../")
            norm = "" if norm == "." else norm.lstrip("/")
            out.append(CopySource(ins, src, norm, outside))
    return out


def context_files(context: Path) -> list[str]:
    """Files under the build folder as posix paths relative to it (cached per folder)."""
    return _walk(str(context.resolve()))


def _walk(root: str) -> list[str]:
    files: list[str] = []
    for here, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        rel = os.path.relpath(here, root)
        for name in sorted(names):
            files.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
        for d in dirs:
            if os.path.islink(os.path.join(here, d)):
                files.append(d if rel == "." else f"{rel}/{d}".replace(os.sep, "/"))
    return files


def source_matches(pattern: str, path: str) -> bool:
    """Whether COPY source `pattern` (normalized) brings `path` (a file relative to the folder)."""
    if pattern == "":
        return True
    pat_parts = pattern.split("/")
    parts = path.split("/")
    if len(parts) < len(pat_parts):
        return False
    return all(fnmatchcase(p, q) for p, q in zip(parts, pat_parts))


def dockerignore_patterns(context: Path) -> list[str]:
    """The patterns of a build folder's .dockerignore (empty when there is none)."""
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def dockerignore(context: Path) -> Callable[[str], bool] | None:
    """The .dockerignore matcher of a build folder (Docker's own semantics), or None."""
    patterns = dockerignore_patterns(context)
    if not patterns:
        return None
    from imagesmith.engine import dockerignore_matcher

    return dockerignore_matcher(patterns)


def resolves_outside(context: Path, relpath: str) -> bool:
    """A path in the folder that is (or passes through) a symlink pointing outside it."""
    root = context.resolve()
    try:
        target = (context / relpath).resolve()
    except (RuntimeError, OSError):  # a symlink loop never resolves to anything inside
        return True
    return target != root and root not in target.parents
