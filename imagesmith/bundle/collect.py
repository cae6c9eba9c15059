"""Which files of a build folder a bundle needs: the Dockerfile, .dockerignore and exactly
what COPY/ADD read from the context, honouring .dockerignore the way Docker does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from imagesmith.bundle.writer import ContextFile
from imagesmith.core.errors import UserInputError
from imagesmith.model import ParsedDockerfile
from imagesmith.model.context import BuildContext, CopySource, Kind, State, resolve_all
from imagesmith.model.context import copy_sources as _model_copy_sources


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
    return _model_copy_sources(parsed)


def _context_file(context: BuildContext, rel: str) -> ContextFile:
    path = context.root / rel
    entry = context.entries[rel]
    if entry.kind is Kind.LINK:
        link = context.symlinks[rel]
        target = link.in_context
        if target == rel or (target is not None and target in context.symlinks
                             and context.symlinks[target].in_context == rel):
            raise UserInputError(f"{rel} is a symlink loop ({link.target})", where=path,
                                 hint="remove the link or point it at a real file")
        if link.escapes or target is None or context.entries.get(target) is None:
            raise UserInputError(f"{rel} is a symlink that leaves the build folder ({link.target})",
                                 where=path, hint="copy the real file into the folder")
        if context.entries[target].kind is not Kind.FILE:
            raise UserInputError(f"{rel} is a symlink to a folder; a bundle carries files",
                                 where=path, hint="replace the link by the folder it points to")
        entry = context.entries[target]
    elif entry.kind is Kind.OTHER:
        raise UserInputError(f"{rel} is not a regular file (a FIFO, socket or device)", where=path,
                             hint="the build can only copy regular files and folders")
    return ContextFile(rel, path, entry.size, entry.executable)


def _where(src: CopySource) -> str:
    return f"{src.instruction.cmd} source {src.written!r} (line {src.instruction.line})"


def collect_context(folder: Path, sources: Iterable[CopySource], dockerfile: str = "Dockerfile"
                    ) -> Collected:
    context = BuildContext(folder)
    if context.incomplete is not None:
        raise UserInputError(f"the build folder cannot be packaged: {context.incomplete}",
                             where=folder, hint="move what the build does not need out of the folder")
    every = [rel for rel in context.files if context.entries[rel].kind is not Kind.DIR]
    needed: set[str] = {dockerfile}
    if (folder / ".dockerignore").is_file():
        needed.add(".dockerignore")
    ignored: list[str] = []
    notes: list[str] = []
    for src, match in resolve_all(context, sources):
        if match.state is State.UNKNOWN:
            notes.append(f"line {src.instruction.line}: {_where(src)} cannot be resolved "
                         f"({match.reason}); the whole folder was included")
            needed.update(rel for rel in every if not context.excluded(rel))
            continue
        if match.leaves_context:
            raise UserInputError(f"{_where(src)} is outside the build folder",
                                 where=folder / dockerfile, hint="move the file into the folder")
        if match.escapes:
            link = match.escapes[0]
            raise UserInputError(
                f"{_where(src)} goes through {link.path}, a symlink that leaves the build folder "
                f"({link.target})", where=folder / link.path, hint="copy the real file into the folder")
        if match.state is State.MISSING:
            raise UserInputError(f"{_where(src)} is not in the build folder: {match.reason}",
                                 where=folder, hint="put the file into the folder or fix the path")
        for link in match.links:
            target = context.entries.get(link.in_context or "")
            if target is not None and target.kind is Kind.DIR:
                raise UserInputError(
                    f"{_where(src)} goes through {link.path}, a symlink to a folder; a bundle "
                    "carries files", where=folder / link.path,
                    hint="replace the link by the folder it points to")
        ignored.extend(match.ignored)
        needed.update(match.files)
        needed.update(p for p in match.paths if context.entries.get(p, None) is not None
                      and context.entries[p].kind is Kind.LINK)
    missing = sorted(rel for rel in needed if rel not in context.entries)
    if missing:
        raise UserInputError(f"{missing[0]} is not in the build folder", where=folder,
                             hint="put the file into the folder")
    files = [_context_file(context, rel) for rel in sorted(needed)]
    left_out = sorted(rel for rel in every if rel not in needed)
    return Collected(files, left_out, sorted(set(ignored)), notes)
