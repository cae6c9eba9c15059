"""One package word as each manager reads it: pip requirements, apt operands, conda match specs.

- pip: PEP 508 via `packaging.requirements.Requirement`; local and remote wheels and sdists by
  their file names (PEP 427 / sdist naming, `packaging.utils.parse_wheel_filename`,
  `parse_sdist_filename`); VCS and archive URLs by `#egg=`; project folders by their
  `pyproject.toml` `[project]` table or `setup.cfg` `[metadata]`.
- requirements files as pip reads them (pip/_internal/req/req_file.py): `\\` continuations,
  ` #` comments, `${VAR}` from the environment, option lines, nested `-r`/`-c` relative to the
  including file, per-requirement `--hash`.
- apt: `name[:arch][=version|/release]`, `name-`/`name+` modifiers, `./x.deb` (Debian file
  naming `name_version_arch.deb`), patterns and regexes (resolved only at build time).
- conda: MatchSpec as conda/models/match_spec.py reads it (`ch::name`, `name=1.0` is `1.0*`,
  `name==1.0`, `name=1.0=build`, `name 1.0 build`, `"name>=1,<2"`), and `--file` lists.

Anything that cannot be known from the words is a `Spec` with `unknown` set, never a guess.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from imagesmith.core.versions import try_parse_debian
from imagesmith.model.install_options import PIP_OPTIONS, split_argv

ReadFile = Callable[[str], "str | None"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_GLOB = re.compile(r"[*?\[]")
_NAME_AT = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
_SDIST_SUFFIXES = (".tar.gz", ".zip")
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip", ".whl")


@dataclass(frozen=True)
class Spec:
    """A package word, read: what it names and pins, or why that is unknown."""

    spec: str  # as written
    name: str = ""  # "" when unknown
    version: str | None = None  # an exact pin
    constraint: str = ""  # a non-exact version constraint, in the manager's syntax
    extras: tuple[str, ...] = ()
    marker: str | None = None  # pip environment marker (evaluated only in the image)
    url: str | None = None
    local: str | None = None  # a path in the image: wheel, sdist, .deb, project folder
    channel: str | None = None  # conda `ch::name`, apt `name/release`
    build: str | None = None  # conda build string
    arch: str | None = None  # apt `name:arch`
    hashes: tuple[str, ...] = ()
    editable: bool = False
    unknown: str | None = None


def run_time(word: str) -> str:
    return f"`{word}` has a value known only when the build runs"


# -- pip ---------------------------------------------------------------------------------------


def _exact(req: Requirement) -> str | None:
    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    return pins[0] if len(pins) == 1 and len(req.specifier) == 1 else None


def _from_filename(word: str, filename: str, **where: str) -> Spec:
    if filename.endswith(".whl"):
        try:
            name, version, _, _ = parse_wheel_filename(filename)
        except (InvalidWheelFilename, ValueError) as exc:  # ValueError: int() of a huge part
            return Spec(word, unknown=f"`{filename}` is not a wheel file name: {exc}", **where)
        return Spec(word, str(name), str(version), **where)
    if filename.endswith(_SDIST_SUFFIXES):
        try:
            name, version = parse_sdist_filename(filename)
        except (InvalidSdistFilename, ValueError) as exc:
            return Spec(word, unknown=f"`{filename}` is not an sdist file name: {exc}", **where)
        return Spec(word, str(name), str(version), **where)
    return Spec(word, unknown=f"`{filename}`: the package it holds is known only after unpacking it", **where)


def _egg(fragment: str) -> str | None:
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            return value
    return None


def _from_url(word: str, url: str) -> Spec:
    parts = urlsplit(url)
    egg = _egg(parts.fragment)
    if egg:
        try:
            req = Requirement(egg)
        except InvalidRequirement:
            return Spec(word, url=url, unknown=f"`#egg={egg}` is not a project name")
        return Spec(word, req.name, extras=tuple(sorted(req.extras)), url=url)
    if parts.scheme == "file":
        return pip_path(word, unquote(parts.path), None)
    filename = posixpath.basename(unquote(parts.path))
    named = _from_filename(word, filename, url=url) if filename.endswith(_ARCHIVE_SUFFIXES) else None
    if named is None or named.unknown or _VCS.match(word):
        # an archive named by its host (`master.zip`), a VCS checkout, an index page
        return Spec(word, url=url, unknown=f"`{word}`: the project it holds is known only after fetching it")
    return named


def _looks_like_path(word: str) -> bool:
    return word.startswith((".", "/", "~")) or "/" in word or word.endswith(_ARCHIVE_SUFFIXES)


def pip_path(word: str, path: str, read_file: ReadFile | None, *, editable: bool = False) -> Spec:
    """A local wheel, sdist or project folder."""
    if _GLOB.search(path):
        # `tensorflow-*.whl`: the project is named before the pattern, the version is not
        stem = posixpath.basename(path).split("-", 1)
        name = stem[0] if len(stem) == 2 and not _GLOB.search(stem[0]) else ""
        return Spec(word, name, local=path, editable=editable,
                    unknown=f"`{word}` is a shell pattern, expanded only when the build runs")
    filename = posixpath.basename(path.rstrip("/"))
    if filename.endswith(_ARCHIVE_SUFFIXES):
        return replace(_from_filename(word, filename, local=path), editable=editable)
    return _project(word, path, read_file, editable)


def _project(word: str, folder: str, read_file: ReadFile | None, editable: bool) -> Spec:
    text = read_file(posixpath.join(folder, "pyproject.toml")) if read_file else None
    if text is not None:
        try:
            project = tomllib.loads(text).get("project", {})
        except tomllib.TOMLDecodeError:
            project = {}
        name = project.get("name") if isinstance(project, dict) else None
        if isinstance(name, str) and name:
            version = project.get("version")
            dynamic = project.get("dynamic", [])
            known = version if isinstance(version, str) and "version" not in dynamic else None
            return Spec(word, name, known, local=folder, editable=editable)
    text = read_file(posixpath.join(folder, "setup.cfg")) if read_file else None
    if text is not None:
        cfg = configparser.ConfigParser(interpolation=None)
        try:
            cfg.read_string(text)
            name = cfg.get("metadata", "name", fallback="")
            version = cfg.get("metadata", "version", fallback="")
        except configparser.Error:
            name = version = ""
        if name:
            pinned = version if version and not version.startswith(("attr:", "file:")) else None
            return Spec(word, name, pinned, local=folder, editable=editable)
    return Spec(word, local=folder, editable=editable,
                unknown=f"`{word}` is a project folder whose name is known only after building it")


def pip_spec(word: str, read_file: ReadFile | None = None, *, editable: bool = False) -> Spec:
    """One pip requirement word (an operand, an `-e` value or a requirements-file line)."""
    if "$" in word:
        return Spec(word, editable=editable, unknown=run_time(word))
    if _URL.match(word) or _VCS.match(word):
        return replace(_from_url(word, _VCS.sub("", word) if _VCS.match(word) else word), editable=editable)
    if _looks_like_path(word) and not _NAME_AT.match(word):
        # pip's parse_req_from_line: a path-looking word or archive file name is a path
        path, _, _extras = word.partition("[")
        return pip_path(word, path, read_file, editable=editable)
    try:
        req = Requirement(word)
    except InvalidRequirement as exc:
        return Spec(word, editable=editable, unknown=f"`{word}` is not a requirement: {str(exc).splitlines()[0]}")
    if req.url:
        named = _from_url(word, req.url)
        return Spec(word, req.name, named.version, extras=tuple(sorted(req.extras)),
                    marker=str(req.marker) if req.marker else None, url=req.url, editable=editable)
    version = _exact(req)
    return Spec(
        word,
        req.name,
        version,
        "" if version else str(req.specifier),
        tuple(sorted(req.extras)),
        str(req.marker) if req.marker else None,
        editable=editable,
    )


# -- requirements files --------------------------------------------------------------------------

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


@dataclass(frozen=True)
class ReqLine:
    """A requirements-file line: a requirement (with its own options) or file-wide options."""

    source: str  # "requirements file X" | "constraints file X"
    requirement: Spec | None
    options: tuple[tuple[str, str | None], ...] = ()  # (canonical option, value)
    constraint: bool = False


@dataclass
class ReqFiles:
    """What reading a chain of requirements files gave, in order."""

    lines: list[ReqLine] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


def _logical_lines(text: str) -> Iterator[str]:
    """pip's preprocess: join `\\` continuations (not after comments), drop comments, blanks."""
    pending: list[str] = []
    for line in text.splitlines():
        if not line.endswith("\\") or _COMMENT.match(line):
            if _COMMENT.match(line):
                line = " " + line
            if pending:
                pending.append(line)
                line, pending = "".join(pending), []
        else:
            pending.append(line.strip("\\"))
            continue
        line = _COMMENT.sub("", line).strip()
        if line:
            yield line
    if pending:
        line = _COMMENT.sub("", "".join(pending)).strip()
        if line:
            yield line


def _expand_env(line: str, env: Mapping[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        value = env.get(m.group(1))
        return value if value else m.group(0)  # pip leaves unset (or empty) variables as written

    return _ENV_VAR.sub(sub, line)


def read_requirements(
    path: str,
    read_file: ReadFile | None,
    env: Mapping[str, str],
    *,
    constraint: bool = False,
    out: ReqFiles | None = None,
    seen: tuple[str, ...] = (),
) -> ReqFiles:
    """Read `path` (and the files it includes) as pip does; unreadable files are unknown."""
    out = out if out is not None else ReqFiles()
    source = f"{'constraints' if constraint else 'requirements'} file {path}"
    if "$" in path:
        out.unknown.append((source, run_time(path)))
        return out
    if _URL.match(path):
        out.unknown.append((source, f"`{path}` is fetched only when the build runs"))
        return out
    norm = posixpath.normpath(path)
    if norm in seen:
        out.unknown.append((source, f"{path} includes itself (pip stops with an error)"))
        return out
    text = read_file(path) if read_file is not None else None
    if text is None:
        out.unknown.append((source, f"{path} cannot be read from the build folder"))
        return out
    for line in _logical_lines(text):
        line = _expand_env(line, env)
        args, opts = _break_args_options(line)
        try:
            words = shlex.split(opts)
        except ValueError:
            out.unknown.append((source, f"`{line}`: options pip cannot split"))
            continue
        split = split_argv(words, PIP_OPTIONS)
        options = tuple((o.name, o.value) for o in split.options)
        nested = [(v, o == "--constraint") for o, v in options if o in ("--requirement", "--constraint") and v]
        editables = [v for o, v in options if o == "--editable" and v]
        hashes = tuple(v for o, v in options if o == "--hash" and v)
        if args:
            spec = replace(pip_spec(args, read_file), hashes=hashes)
            out.lines.append(ReqLine(source, spec, options, constraint))
        elif editables:
            out.lines.append(ReqLine(source, pip_spec(editables[0], read_file, editable=True), options, constraint))
        elif nested:
            target, nested_constraint = nested[0]
            if not target.startswith("/") and not _URL.match(target):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            read_requirements(target, read_file, env, constraint=nested_constraint, out=out, seen=(*seen, norm))
        else:
            out.lines.append(ReqLine(source, None, options, constraint))
    return out


def _break_args_options(line: str) -> tuple[str, str]:
    """pip's break_args_options: words up to the first `-` word are the requirement."""
    tokens = line.split(" ")
    for k, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:k]).strip(), " ".join(tokens[k:])
    return line, ""


# -- apt -----------------------------------------------------------------------------------------

_APT_PATTERN = re.compile(r"^[?~!]|[*?\[\]^$|]")


def apt_spec(word: str) -> tuple[Spec, str]:
    """An apt-get operand and its modifier: "" | "-" (remove it) | "+" (install it)."""
    if "$" in word:
        return Spec(word, unknown=run_time(word)), ""
    if word.startswith(("/", ".")) or word.endswith(".deb"):
        filename = posixpath.basename(word)
        parts = filename[: -len(".deb")].split("_") if filename.endswith(".deb") else []
        if len(parts) == 3 and parts[0]:
            return Spec(word, parts[0], unquote(parts[1]), arch=parts[2], local=word), ""
        return Spec(word, local=word, unknown=f"`{word}`: the package is known only from the file itself"), ""
    modifier = ""
    base = word
    if base[-1:] in ("-", "+") and len(base) > 1:
        modifier, base = base[-1], base[:-1]
    name, _, version = base.partition("=")
    name, _, release = name.partition("/")
    name, _, arch = name.partition(":")
    if _APT_PATTERN.search(name):
        return Spec(word, unknown=f"`{word}` is a pattern; apt resolves it against the package lists at build time"), modifier
    if version and "*" not in version and try_parse_debian(version) is None:
        return Spec(word, name, unknown=f"`{version}` is not a Debian version"), modifier
    pinned = version if version and "*" not in version else None
    return Spec(word, name, pinned, version if "*" in version else "", channel=release or None,
                arch=arch or None), modifier


# -- conda ----------------------------------------------------------------------------------------

_CONDA_NAME = re.compile(r"^([^ =<>!~]+)?([><!=~ ].*)?$")
_CONDA_VERSION_BUILD = re.compile(r"^((?:.+?)[^><!,|]?)(?:(?<![=!|,<>~])[ =]([^-=,|<>~]+?))?$")
_CONDA_ATOM = re.compile(r"^(?:==|!=|<=|>=|~=|<|>|=)?(\d[0-9A-Za-z_.+!]*?)(?:\.?\*)?$")
_CONDA_ARCHIVE = (".tar.bz2", ".conda")


def conda_spec(word: str) -> Spec:
    """A conda/mamba match spec (conda/models/match_spec.py `_parse_spec_str`)."""
    if "$" in word:
        return Spec(word, unknown=run_time(word))
    text = word.strip()
    if text.endswith(_CONDA_ARCHIVE):
        filename = posixpath.basename(urlsplit(text).path if _URL.match(text) else text)
        stem = filename.removesuffix(".tar.bz2").removesuffix(".conda")
        parts = stem.rsplit("-", 2)
        where = {"url": text} if _URL.match(text) else {"local": text}
        if len(parts) == 3 and all(parts):
            return Spec(word, parts[0], parts[1], build=parts[2], **where)
        return Spec(word, unknown=f"`{filename}` is not a conda package file name", **where)
    if "[" in text:
        return Spec(word, unknown=f"`{word}`: bracketed match specs are not read")
    channel = None
    if "::" in text:
        channel, _, text = text.rpartition("::")
    m = _CONDA_NAME.match(text)
    if not m or not m.group(1):
        return Spec(word, unknown=f"`{word}` is not a conda match spec")
    name, rest = m.group(1), (m.group(2) or "").strip()
    if not rest:
        return Spec(word, name, channel=channel)
    vb = _CONDA_VERSION_BUILD.match(rest)
    if not vb:
        return Spec(word, name, channel=channel, unknown=f"`{rest}` is not a conda version")
    version, build = vb.group(1), vb.group(2)
    if version.startswith("="):
        tail = version[1:]
        if version.startswith("==") and build is None:
            version = version[2:]
        elif not any(c in tail for c in "=,|"):
            version = tail + "*" if build is None and not tail.endswith("*") else tail
    if version == "*":  # any version, e.g. `blas=*=openblas` (a build pin only)
        return Spec(word, name, channel=channel, build=build)
    atoms = [a.strip() for a in re.split(r"[,|]", version)]
    if not all(_CONDA_ATOM.match(a) for a in atoms):
        return Spec(word, name, channel=channel, unknown=f"`{version}` is not a conda version")
    exact = len(atoms) == 1 and not re.search(r"[<>=!~*]", version)
    return Spec(word, name, version if exact else None, "" if exact else version, channel=channel,
                build=build)


def conda_file(path: str, read_file: ReadFile | None) -> tuple[list[Spec], str | None]:
    """The specs of a `conda install --file` list (one spec a line, `#` comments,
    `@EXPLICIT` URL lists); the second item says why it is unknown."""
    if "$" in path:
        return [], run_time(path)
    text = read_file(path) if read_file is not None else None
    if text is None:
        return [], f"{path} cannot be read from the build folder"
    specs = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("@"):
            specs.append(conda_spec(line))
    return specs, None
