"""Which files of a build folder a bundle needs: the Dockerfile, .dockerignore and exactly
what COPY/ADD read from the context, honouring .dockerignore the way Docker does."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from imagesmith.analysis.context import dockerignore, local_sources, source_matches
from imagesmith.bundle.writer import ContextFile
from imagesmith.core.errors import UserInputError
from imagesmith.parse.dockerfile import ParsedDockerfile


@dataclass(frozen=True)
class CopySource:
    cmd: str  # "COPY" | "ADD"
    line: int
    source: str


@dataclass
class Collected:
    files: list[ContextFile]
    left_out: list[str]  # files in the folder the bundle does not carry
    ignored: list[str] = field(default_factory=list)  # needed by COPY/ADD but in .dockerignore
    notes: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def copy_sources(parsed: ParsedDockerfile) -> list[CopySource]:
    """Context paths read by COPY/ADD (not --from=, URLs or heredocs), in file order."""
    return [CopySource(src.instruction.cmd, src.instruction.line, src.source)
            for src in local_sources(parsed)]


def _walk(folder: Path) -> list[str]:
    """Every file below `folder` as a POSIX path relative to it (symlinks included, not followed)."""
    out: list[str] = []
    for root, dirs, files in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        for name in files + [d for d in dirs if (Path(root) / d).is_symlink()]:
            out.append((rel_root / name).as_posix())
    return sorted(out)


def _normalise(folder: Path, src: CopySource) -> str:
    # Docker reads absolute sources relative to the context root; the guide forbids them
    # and lint reports that, but packaging copies what Docker would read.
    path = PurePosixPath("/" + src.source.lstrip("/"))
    parts: list[str] = []
    for part in path.parts[1:]:
        if part == "..":
            if not parts:
                raise UserInputError(
                    f"{src.cmd} source {src.source!r} (line {src.line}) is outside the build folder",
                    where=folder / "Dockerfile", hint="move the file into the folder")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _context_file(folder: Path, rel: str) -> ContextFile:
    path = folder / rel
    if path.is_symlink():
        try:
            target = path.resolve()
        except (RuntimeError, OSError):
            raise UserInputError(f"{rel} is a symlink loop", where=path,
                                 hint="replace the link by the real file") from None
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            raise UserInputError(f"{rel} is a symlink that leaves the build folder", where=path,
                                 hint="copy the real file into the folder")
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise UserInputError(f"{rel} is not a regular file (a FIFO, socket or device)", where=path,
                             hint="the build can only copy regular files and folders")
    return ContextFile(rel, path, st.st_size, bool(st.st_mode & 0o111))


def collect_context(folder: Path, sources: Iterable[CopySource], dockerfile: str = "Dockerfile"
                    ) -> Collected:
    matcher = dockerignore(folder)

    def excluded(rel: str) -> bool:
        return matcher is not None and matcher(rel)

    every = _walk(folder)
    needed: set[str] = {dockerfile}
    if (folder / ".dockerignore").is_file():
        needed.add(".dockerignore")
    ignored: list[str] = []
    notes: list[str] = []
    for src in sources:
        if "$" in src.source:
            notes.append(f"line {src.line}: {src.cmd} source {src.source!r} uses a variable; "
                         "the whole folder was included")
            needed.update(rel for rel in every if not excluded(rel))
            continue
        pattern = _normalise(folder, src)
        hits = [rel for rel in every if source_matches(pattern, rel)]
        if not hits:
            raise UserInputError(
                f"{src.cmd} source {src.source!r} (line {src.line}) is not in the build folder",
                where=folder, hint="put the file into the folder or fix the path")
        kept = [rel for rel in hits if not excluded(rel)]
        ignored.extend(rel for rel in hits if excluded(rel))
        needed.update(kept)
    files = [_context_file(folder, rel) for rel in sorted(needed)]
    left_out = [rel for rel in every if rel not in needed]
    return Collected(files, left_out, sorted(set(ignored)), notes)
