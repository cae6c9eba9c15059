"""What a Dockerfile installs, downloads and unpacks, read from its RUN commands and ADDs.

Package specs are parsed with `packaging` (pip) and by each manager's own syntax
(`apt-get install name=1.0`, `conda install name=1.0|name==1.0|channel::name`).
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator, Literal

from imagesmith.parse.dockerfile import Instruction, ParsedDockerfile, expand_vars, stage_scope
from imagesmith.parse.shell import SimpleCommand, parse_shell, split_flags

Manager = Literal["apt", "pip", "conda"]

_PIP_VALUE_OPTS = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--target",
    "-t",
    "--prefix",
    "--root",
    "--trusted-host",
    "--upgrade-strategy",
    "--src",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--no-binary",
    "--only-binary",
    "--progress-bar",
    "--cache-dir",
    "--timeout",
    "--retries",
    "--log",
    "--proxy",
    "--global-option",
    "--install-option",
    "--config-settings",
    "-C",
    "--report",
    "--python",
}
_APT_VALUE_OPTS = {"-o", "-c", "-t", "--target-release", "--option", "--config-file"}
_CONDA_VALUE_OPTS = {
    "-c",
    "--channel",
    "-n",
    "--name",
    "-p",
    "--prefix",
    "--file",
    "--override-channels-file",
    "--repodata-fn",
    "--experimental-solver",
    "--solver",
}
_ARCHIVE_NAMES = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.I)
_URL = re.compile(r"^(https?|ftp)://", re.I)


@dataclass(frozen=True)
class PackageInstall:
    manager: Manager
    name: str  # as written (pip names are not normalised here; see `key`)
    version: str | None  # an exact pin (`==1.0`, `=1.0`), else None
    spec: str  # the word as written: `tensorflow-gpu==1.0.0`
    line: int
    stage: int
    raw: str  # the whole simple command
    constraint: str = ""  # a non-exact specifier such as `>=1`
    extras: tuple[str, ...] = ()
    user: bool = False  # pip --user
    source: str = "command"  # "command" | "requirements" (read from a -r file in the context)

    @property
    def key(self) -> str:
        """Normalised name for comparisons (PEP 503 for pip, lower-case otherwise)."""
        return re.sub(r"[-_.]+", "-", self.name).lower()


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


@dataclass(frozen=True)
class RunCommand:
    """One simple command of a RUN, with where it sits."""

    instruction: Instruction
    command: SimpleCommand
    line: int
    scope: dict[str, str | None] | None = None  # ARG/ENV values visible at this RUN

    @property
    def argv(self) -> tuple[str, ...]:
        """The effective argv (wrappers like sudo dropped), Dockerfile ARG/ENV substituted."""
        argv = self.command.effective().argv
        if not self.scope:
            return argv
        return tuple(expand_vars(w, self.scope)[0] if "$" in w else w for w in argv)

    @property
    def name(self) -> str:
        return self.command.effective().name


def run_commands(parsed: ParsedDockerfile) -> list[RunCommand]:
    """Every simple command of every RUN (heredoc bodies included), cached on `parsed`."""
    cached = parsed.cache.get("run_commands")
    if cached is not None:
        return cached
    out: list[RunCommand] = []
    for ins in parsed.of("RUN"):
        script = ins.shell_script
        stage = parsed.stage_of(ins)
        scope = (
            {k: v for k, v in stage_scope(stage, ins.line).items() if v is not None}
            if stage
            else None
        )
        if script is None:
            if ins.json and ins.value:
                out.append(RunCommand(ins, SimpleCommand(tuple(ins.value)), ins.line, scope))
            continue
        raw_lines = ins.raw.splitlines()
        cursor = 0
        for cmd in parse_shell(script).commands:
            cursor = _command_offset(raw_lines, cmd, cursor)
            out.append(RunCommand(ins, cmd, ins.line + cursor, scope))
    parsed.cache["run_commands"] = out
    return out


def _command_offset(raw_lines: list[str], cmd: SimpleCommand, cursor: int) -> int:
    """Offset of the source line holding `cmd`, searching from the previous command's line
    with the longest run of its words that appears on one line."""
    argv = cmd.effective().argv or cmd.argv
    for k in range(min(len(argv), 6), 0, -1):
        probe = " ".join(argv[:k])
        for offset in range(cursor, len(raw_lines)):
            if probe in raw_lines[offset]:
                return offset
    return cursor


# -- package managers ---------------------------------------------------------


def _pip_subcommand(argv: tuple[str, ...]) -> list[str] | None:
    """Arguments after `install` for pip/pip3/pipX.Y/python -m pip; None if not a pip install."""
    words = list(argv)
    if not words:
        return None
    head = words[0].rsplit("/", 1)[-1]
    if re.fullmatch(r"python[0-9.]*", head):
        if len(words) >= 3 and words[1] == "-m" and re.fullmatch(r"pip[0-9.]*", words[2]):
            words = words[2:]
        else:
            return None
    elif not re.fullmatch(r"pip[0-9.]*", head):
        return None
    rest = words[1:]
    while rest and rest[0].startswith("-"):  # global options before the subcommand
        rest.pop(0)
    if not rest or rest[0] != "install":
        return None
    return rest[1:]


def _parse_pip_spec(word: str) -> tuple[str, str | None, str, tuple[str, ...]] | None:
    from packaging.requirements import InvalidRequirement, Requirement

    if (
        _URL.match(word)
        or "$" in word
        or word.startswith((".", "/", "git+"))
        or word.endswith((".whl", ".tar.gz", ".zip"))
    ):
        return None
    try:
        req = Requirement(word)
    except InvalidRequirement:
        return None
    exact = [
        s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version
    ]
    version = exact[0] if exact else None
    constraint = "" if version else str(req.specifier)
    return req.name, version, constraint, tuple(sorted(req.extras))


def _pip_installs(rc: RunCommand, context_files: dict[str, Path]) -> Iterator[PackageInstall]:
    args = _pip_subcommand(rc.argv)
    if args is None:
        return
    flags, operands, values = split_flags(args, _PIP_VALUE_OPTS)
    user = "--user" in flags
    raw = " ".join(rc.command.argv)
    stage = rc.instruction.stage
    for word in operands:
        parsed = _parse_pip_spec(word)
        if parsed is None:
            continue
        name, version, constraint, extras = parsed
        yield PackageInstall(
            "pip", name, version, word, rc.line, stage, raw, constraint, extras, user
        )
    for req_file in values.get("-r", []) + values.get("--requirement", []):
        local = context_files.get(req_file)
        if local is None:
            continue
        for spec in _requirement_lines(local):
            parsed = _parse_pip_spec(spec)
            if parsed is not None:
                name, version, constraint, extras = parsed
                yield PackageInstall(
                    "pip",
                    name,
                    version,
                    spec,
                    rc.line,
                    stage,
                    raw,
                    constraint,
                    extras,
                    user,
                    source="requirements",
                )


def _requirement_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            out.append(line)
    return out


def _apt_installs(rc: RunCommand) -> Iterator[PackageInstall]:
    if rc.name not in ("apt-get", "apt", "aptitude"):
        return
    flags, operands, _ = split_flags(list(rc.argv[1:]), _APT_VALUE_OPTS)
    if not operands or operands[0] != "install":
        return
    raw = " ".join(rc.command.argv)
    for word in operands[1:]:
        if "$" in word or word.startswith(("/", ".")) or word.endswith(".deb"):
            continue
        name, _, version = word.partition("=")
        name = name.split("/", 1)[0]
        yield PackageInstall("apt", name, version or None, word, rc.line, rc.instruction.stage, raw)


def _conda_installs(rc: RunCommand) -> Iterator[PackageInstall]:
    if rc.name not in ("conda", "mamba", "micromamba"):
        return
    flags, operands, _ = split_flags(list(rc.argv[1:]), _CONDA_VALUE_OPTS)
    if not operands or operands[0] not in ("install", "create"):
        return
    raw = " ".join(rc.command.argv)
    for word in operands[1:]:
        spec = word.split("::", 1)[-1]
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(==?|>=|<=|>|<|!=)?\s*([^\s,|]*)", spec)
        if not m or "$" in word:
            continue
        name, op, ver = m.group(1), m.group(2), m.group(3)
        exact = ver if op in ("=", "==") and ver and "*" not in ver else None
        constraint = "" if exact or not op else f"{op}{ver}"
        yield PackageInstall(
            "conda", name, exact, word, rc.line, rc.instruction.stage, raw, constraint
        )


def copied_files(parsed: ParsedDockerfile) -> dict[str, Path]:
    """Container paths of single files a COPY/ADD brings from the build folder -> local file."""
    if parsed.context_dir is None:
        return {}
    out: dict[str, Path] = {}
    for ins in parsed.of("COPY", "ADD"):
        if ins.flag("from") is not None or ins.heredocs or len(ins.value) < 2:
            continue
        *sources, dest = ins.value
        for src in sources:
            local = parsed.context_dir / src
            if not local.is_file():
                continue
            target = PurePosixPath(dest)
            if dest.endswith("/") or dest in (".", "..") or len(sources) > 1:
                target = target / PurePosixPath(src).name
            workdir = _workdir_at(parsed, ins)
            if not target.is_absolute():
                target = PurePosixPath(workdir) / target
            out[str(target)] = local
            out[
                str(target.relative_to(workdir)) if target.is_relative_to(workdir) else str(target)
            ] = local
    return out


def _workdir_at(parsed: ParsedDockerfile, ins: Instruction) -> str:
    workdir = "/"
    for other in parsed.before(ins, "WORKDIR"):
        if other.value:
            workdir = str(PurePosixPath(workdir) / other.value[0])
    return workdir


def package_installs(parsed: ParsedDockerfile) -> list[PackageInstall]:
    """Packages installed by apt-get/apt, pip/pip3/python -m pip, conda/mamba (cached)."""
    cached = parsed.cache.get("package_installs")
    if cached is not None:
        return cached
    files = copied_files(parsed)
    out: list[PackageInstall] = []
    for rc in run_commands(parsed):
        out.extend(_apt_installs(rc))
        out.extend(_pip_installs(rc, files))
        out.extend(_conda_installs(rc))
    parsed.cache["package_installs"] = out
    return out


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
        for src in ins.value[:-1]:
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
        if ins.flag("from") is not None or ins.heredocs or len(ins.value) < 2:
            continue
        *sources, dest = ins.value
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
