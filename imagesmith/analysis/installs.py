"""What a Dockerfile installs, downloads and unpacks, read from its RUN commands and ADDs.

Package specs are parsed with `packaging` (pip) and by each manager's own syntax
(`apt-get install name=1.0`, `conda install name=1.0|name==1.0|channel::name`).
"""

from __future__ import annotations

import posixpath
import re
import tarfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Callable

from imagesmith.core.versions import canonical_name
from imagesmith.model import ParsedDockerfile, RunCommand
from imagesmith.model.installs import Action, Manager, read_install
from imagesmith.parse.shell import split_flags


_ARCHIVE_NAMES = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.I)
_URL = re.compile(r"^(https?|ftp)://", re.I)


@dataclass(frozen=True)
class PackageInstall:
    """One package a RUN installs or removes, where it sits (read by `model.installs`)."""

    manager: Manager
    name: str  # as written (see `key`); "" when unknown
    version: str | None  # an exact pin (`==1.0`, `=1.0=build`), else None
    spec: str  # the word as written: `tensorflow-gpu==1.0.0`
    line: int
    stage: int
    raw: str  # the whole simple command
    constraint: str = ""  # a non-exact specifier such as `>=1`
    extras: tuple[str, ...] = ()
    user: bool = False  # pip --user
    source: str = "command"  # "command" | "requirements file X" | ...
    action: Action = Action.INSTALL
    unknown: str | None = None  # why the name or version cannot be read
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    build: str | None = None  # conda build string (`py3.6_cuda9.0.176_cudnn7.1.2_1`)

    @property
    def release(self) -> str | None:
        """The pinned release, counting conda's `name=1.2` (the 1.2 series) as 1.2."""
        if self.version:
            return self.version
        m = re.fullmatch(r"(\d+(?:\.\d+)*)\.?\*", self.constraint)
        return m.group(1) if m and self.manager == Manager.CONDA else None

    @property
    def key(self) -> str:
        """Normalised name for comparisons (PEP 503 for pip, lower-case otherwise)."""
        return canonical_name(self.name) if self.name else ""

    @property
    def installs(self) -> bool:
        return self.action in (Action.INSTALL, Action.UPGRADE)


@dataclass(frozen=True)
class Download:
    url: str
    line: int
    tool: str = ""  # curl, wget, git, ADD
    stage: int = 0
    output: str | None = None  # -o/-O target when given


@dataclass(frozen=True)
class ArchiveAdd:
    source: str
    dest: str
    line: int
    extracted: bool  # Docker will unpack it into dest
    format: str | None = None  # "tar", "tar.gz", "zip"... by content when the file is there
    by_content: bool = False  # False: judged by the file name only
    stage: int = 0


def run_commands(parsed: ParsedDockerfile) -> list[RunCommand]:
    """Every simple command of every RUN (the build model reads them once)."""
    return list(parsed.runs)


# -- package managers ---------------------------------------------------------


def copied_files(parsed: ParsedDockerfile) -> dict[str, Path]:
    """Container paths of single files a COPY/ADD brings from the build folder -> local file."""
    if parsed.context_dir is None:
        return {}
    out: dict[str, Path] = {}
    for ins in parsed.of("COPY", "ADD"):
        if ins.flag("from") is not None or ins.heredocs or len(ins.expanded) < 2:
            continue
        *sources, dest = ins.expanded
        for src in sources:
            local = parsed.context_dir / src
            if not local.is_file():
                continue
            target = PurePosixPath(dest)
            if dest.endswith("/") or dest in (".", "..") or len(sources) > 1:
                target = target / PurePosixPath(src).name
            workdir = ins.workdir
            if not target.is_absolute():
                target = PurePosixPath(workdir) / target
            out[str(target)] = local
            out[
                str(target.relative_to(workdir)) if target.is_relative_to(workdir) else str(target)
            ] = local
    return out


def package_installs(parsed: ParsedDockerfile) -> list[PackageInstall]:
    """Packages installed by apt-get/apt, pip/pip3/python -m pip, conda/mamba, with known names
    (see `package_actions` for removals and what could not be read)."""
    return [p for p in package_actions(parsed) if p.installs and p.unknown is None]


def package_actions(parsed: ParsedDockerfile) -> list[PackageInstall]:
    """Every package action of every RUN: installs, upgrades, removals and unknowns."""
    return list(_package_actions(parsed))


@lru_cache(maxsize=64)
def _package_actions(parsed: ParsedDockerfile) -> tuple[PackageInstall, ...]:
    files = copied_files(parsed)
    out: list[PackageInstall] = []
    for rc in parsed.runs:
        found = read_install(rc.words or rc.argv, rc.env, _reader(files, rc.cwd))
        if found is None:
            continue
        raw = " ".join(rc.command.argv)
        for act in found.actions:
            out.append(
                PackageInstall(
                    act.manager, act.name, act.version, act.spec, rc.line,
                    rc.instruction.stage, raw, act.constraint, act.extras, act.flags.user,
                    act.source, act.action, act.unknown, act.flags.index_url,
                    act.flags.extra_index_urls, act.build,
                )
            )
    return tuple(out)


def _reader(files: dict[str, Path], cwd: str) -> Callable[[str], str | None]:
    """Requirements files named in a RUN, read from the build folder when a COPY put them
    where the RUN looks (relative paths against the RUN's working directory)."""

    def read(path: str) -> str | None:
        target = posixpath.normpath(posixpath.join(cwd, path))
        local = files.get(target) or files.get(path)
        if local is None:
            return None
        try:
            return local.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    return read


# -- downloads and archives -----------------------------------------------------


def downloads(parsed: ParsedDockerfile) -> list[Download]:
    out: list[Download] = []
    for rc in run_commands(parsed):
        argv = rc.argv
        if rc.name in ("curl", "wget"):
            _, operands, values = split_flags(
                list(argv[1:]),
                {
                    "-o",
                    "-O",
                    "--output",
                    "-H",
                    "-X",
                    "-d",
                    "-u",
                    "-A",
                    "-e",
                    "-T",
                    "--header",
                    "-P",
                },
            )
            target = (values.get("-o") or values.get("--output") or values.get("-O") or [None])[0]
            for word in operands:
                if _URL.match(word):
                    out.append(Download(word, rc.line, rc.name, rc.instruction.stage, target))
        elif rc.name == "git" and len(argv) > 2 and argv[1] == "clone":
            _, operands, _ = split_flags(
                list(argv[2:]),
                {
                    "-b",
                    "--branch",
                    "--depth",
                    "-o",
                    "--origin",
                    "-c",
                    "--config",
                    "--reference",
                    "-j",
                    "--jobs",
                    "--filter",
                },
            )
            if operands:
                out.append(Download(operands[0], rc.line, "git", rc.instruction.stage))
    for ins in parsed.of("ADD"):
        for src in ins.expanded[:-1]:
            if _URL.match(src) or src.startswith("git@"):
                out.append(Download(src, ins.line, "ADD", ins.stage))
    out.sort(key=lambda d: d.line)
    return out


def sniff_archive(path: Path) -> str | None:
    """The archive format of a file by its content: "tar", "tar.gz", "tar.bz2", "tar.xz", "zip"."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        return "zip" if zipfile.is_zipfile(path) else None
    compressed = {
        b"\x1f\x8b": "tar.gz",
        b"BZh": "tar.bz2",
        b"\xfd7zXZ": "tar.xz",
        b"\x28\xb5\x2f\xfd": "tar.zst",
    }
    for magic, fmt in compressed.items():
        if head.startswith(magic):
            if fmt == "tar.zst":
                return fmt
            try:
                return fmt if tarfile.is_tarfile(path) else fmt.removeprefix("tar.")
            except (OSError, EOFError, tarfile.TarError):
                return fmt.removeprefix("tar.")
    # Plain tar: judge the first 512-byte header (magic and checksum) rather than
    # tarfile.is_tarfile, which tries every compression over the whole file (minutes on GBs).
    try:
        with open(path, "rb") as fh:
            block = fh.read(tarfile.BLOCKSIZE)
    except OSError:
        return None
    if len(block) < tarfile.BLOCKSIZE or block == bytes(tarfile.BLOCKSIZE):
        return None
    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return None
    return "tar"


def archives(parsed: ParsedDockerfile, context_dir: Path | None = None) -> list[ArchiveAdd]:
    """Local archives brought in by ADD/COPY; `extracted` when Docker unpacks them (local
    tar archives through ADD, judged by content when the file is in the context)."""
    context = context_dir or parsed.context_dir
    out: list[ArchiveAdd] = []
    for ins in parsed.of("ADD", "COPY"):
        if ins.flag("from") is not None or ins.heredocs or len(ins.expanded) < 2:
            continue
        *sources, dest = ins.expanded
        unpack = ins.flag("unpack")
        for src in sources:
            if _URL.match(src) or src.startswith("git@"):
                continue
            local = context / src if context is not None else None
            fmt = sniff_archive(local) if local is not None and local.is_file() else None
            by_content = fmt is not None or (local is not None and local.is_file())
            if fmt is None and not by_content:
                m = _ARCHIVE_NAMES.search(src)
                fmt = m.group(1).lower() if m else None
            if fmt is None:
                continue
            extracted = (
                ins.cmd == "ADD"
                and fmt.startswith(("tar", "gz", "bz2", "xz"))
                and fmt != "zip"
                and unpack not in ("false", "0")
            )
            if fmt in ("gz", "bz2", "xz"):
                extracted = False  # a compressed non-tar file is copied as is
            out.append(ArchiveAdd(src, dest, ins.line, extracted, fmt, by_content, ins.stage))
    return out
