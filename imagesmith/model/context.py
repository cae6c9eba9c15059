"""The build context: the folder a build reads, as Docker sends and reads it.

One bounded walk of the folder (symlinked folders are listed, never entered) gives the file
list, the symlinks with their targets, and what `.dockerignore` excludes. `resolve` answers
what one COPY/ADD source brings. Checked against Docker 20.10's BuildKit and classic builder
(tests/model/test_context.py builds each case on both):

- Sources are cleaned like Go's `filepath.Clean` and read from the context root: `/x` is `x`.
  `../x` leaves the context: the classic builder refuses it ("forbidden path outside the build
  context"), BuildKit clamps it to the root and silently reads `x`. Both are `leaves_context`.
- Each path component is a Go `filepath.Match` glob (`*`, `?`, `[...]` with `^` negation,
  `\\` escapes); `*` never crosses `/`; a matched folder brings everything below it.
- Symlinks on the way, the last component included, are followed inside the context: an
  absolute target is read relative to the context root (`etclink -> /etc` reads the context's
  `etc/`, never the host's), a relative one from the link's folder. A relative target that
  climbs above the root is clamped to the root by the classic builder and not found by
  BuildKit 20.10. A link whose target lies outside the folder as the author sees it escapes.
- `.dockerignore` follows moby/patternmatcher (`MatchesOrParentMatches`), not docker-py's
  PatternMatcher, which differs from the engine: docker-py reads `[!x]` as a negated class and
  `\\` literally, and never excludes `.dockerignore`; the engine reads `[!x]` as the set {!, x},
  `[^x]` as negation, `\\*` as a literal star, and does exclude `.dockerignore` and the
  Dockerfile from COPY. Docker 20.10 also passes `+(){}|` through to its regexp (`x+` excludes
  `xx`); current patternmatcher escapes them, and so does this module.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from imagesmith.model.build import BuildModel, Instruction

MAX_ENTRIES = 200_000
MAX_DEPTH = 64
_MAX_HOPS = 40  # symlinks followed for one path before it counts as a loop (as Linux does)
_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|git@)", re.I)


# -- Go path and pattern semantics ------------------------------------------------------------


def go_clean(path: str) -> str:
    """Go's `path.Clean` ("" -> ".", `//x` -> `/x`), which posixpath.normpath nearly is."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _class(pattern: str, i: int) -> tuple[str, int]:
    """A `[...]` term of Go's filepath.Match at pattern[i] == "[" as a Python regex class."""
    i += 1
    negate = i < len(pattern) and pattern[i] == "^"
    i += negate
    items: list[str] = []
    while True:
        if i >= len(pattern):
            raise ValueError("unterminated character class")
        if pattern[i] == "]" and items:
            return "[" + ("^" if negate else "") + "".join(items) + "]", i + 1
        lo, i = _class_char(pattern, i)
        if i < len(pattern) and pattern[i] == "-":
            hi, i = _class_char(pattern, i + 1)
            items.append(f"{re.escape(lo)}-{re.escape(hi)}")
        else:
            items.append(re.escape(lo))


def _class_char(pattern: str, i: int) -> tuple[str, int]:
    if i >= len(pattern) or pattern[i] in "-]":
        raise ValueError("bad character range")
    if pattern[i] == "\\":
        if i + 1 >= len(pattern):
            raise ValueError("trailing backslash")
        return pattern[i + 1], i + 2
    return pattern[i], i + 1


def glob_regex(component: str) -> re.Pattern[str]:
    """Go's filepath.Match for one path component; ValueError for a malformed pattern."""
    out: list[str] = []
    i = 0
    while i < len(component):
        ch = component[i]
        if ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            cls, i = _class(component, i)
            out.append(cls)
        elif ch == "\\":
            if i + 1 >= len(component):
                raise ValueError("trailing backslash")
            out.append(re.escape(component[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out), re.S)


def has_magic(component: str) -> bool:
    """Whether a component has an unescaped `*`, `?` or `[` (fsutil's containsWildcards)."""
    i = 0
    while i < len(component):
        if component[i] == "\\":
            i += 2
            continue
        if component[i] in "*?[":
            return True
        i += 1
    return False


def _unescape(component: str) -> str:
    return re.sub(r"\\(.)", r"\1", component)


@dataclass(frozen=True)
class _IgnorePattern:
    text: str  # cleaned, without the leading "!"
    exclusion: bool
    kind: str  # "exact" | "prefix" | "suffix" | "regexp" (patternmatcher's match types)
    regex: re.Pattern[str] | None

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        return self.regex is not None and self.regex.match(path) is not None


_ESCAPED = set(".+()|{}$")


def _compile_ignore(text: str, exclusion: bool) -> _IgnorePattern:
    """moby/patternmatcher's Pattern.compile, for "/" as separator."""
    reg = "^"
    kind = "exact"
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "*" and text[i + 1 : i + 2] == "*":
            start = i
            i += 2
            if text[i : i + 1] == "/":
                i += 1
            if i >= len(text):
                if kind == "exact":
                    kind = "prefix"
                else:
                    reg += ".*"
                    kind = "regexp"
            else:
                reg += "(.*/)?"
                kind = "regexp"
            if start == 0:
                kind = "suffix"
            continue
        if ch == "*":
            reg += "[^/]*"
            kind = "regexp"
        elif ch == "?":
            reg += "[^/]"
            kind = "regexp"
        elif ch in _ESCAPED:
            reg += "\\" + ch
        elif ch == "\\":
            if i + 1 < len(text):
                i += 1
                reg += re.escape(text[i])
                kind = "regexp"
            else:
                reg += "\\\\"
        elif ch in "[]":
            reg += ch
            kind = "regexp"
        else:
            reg += ch
        i += 1
    regex = None
    if kind == "regexp":
        try:
            regex = re.compile(reg + "$", re.S)
        except re.error as exc:
            raise ValueError(f"syntax error in pattern {text!r}: {exc}") from None
    return _IgnorePattern(text, exclusion, kind, regex)


@dataclass(frozen=True)
class DockerIgnore:
    """The patterns of a `.dockerignore`, matched as Docker's patternmatcher matches them."""

    patterns: tuple[_IgnorePattern, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "DockerIgnore":
        """Lines as BuildKit's dockerignore.ReadAll reads them; ValueError on a bad pattern."""
        out: list[_IgnorePattern] = []
        for n, raw in enumerate(text.splitlines()):
            line = raw.lstrip("\ufeff") if n == 0 else raw
            if line.startswith("#"):
                continue
            line = line.strip()
            if not line:
                continue
            exclusion = line.startswith("!")
            if exclusion:
                line = line[1:].strip()
                if not line:
                    raise ValueError('illegal exclusion pattern: "!"')
            line = go_clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
            _check_match_syntax(line)
            out.append(_compile_ignore(line, exclusion))
        return cls(tuple(out))

    def excludes(self, path: str) -> bool:
        """Whether the context path (posix, relative) is left out of the build context."""
        matched = False
        parent = posixpath.dirname(path)
        parents = parent.split("/") if parent else []
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit:
                hit = any(pattern.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                matched = not pattern.exclusion
        return matched


def clean_source(source: str) -> tuple[str, bool]:
    """(the path BuildKit reads relative to the root, "" = the root; whether `..` leaves it)."""
    cleaned = go_clean(source)
    leaves = cleaned == ".." or cleaned.startswith("../")
    inside = go_clean("/" + cleaned).lstrip("/")
    return ("" if inside == "." else inside), leaves


def _check_match_syntax(pattern: str) -> None:
    """patternmatcher.New rejects what filepath.Match rejects."""
    for component in pattern.split("/"):
        glob_regex(component)


# -- the walk ---------------------------------------------------------------------------------


class Kind(str, Enum):
    FILE = "file"
    DIR = "dir"
    LINK = "symlink"
    OTHER = "other"  # FIFO, socket, device: the build cannot copy it


@dataclass(frozen=True)
class Symlink:
    path: str  # in the context, posix
    target: str  # as readlink gives it
    escapes: bool  # the target lies outside the folder as the author sees it
    in_context: str | None  # what Docker follows it to, relative to the root ("" = root)
    note: str  # how Docker reads it, for messages


@dataclass(frozen=True)
class Entry:
    path: str
    kind: Kind
    size: int
    executable: bool


class State(str, Enum):
    FOUND = "found"  # brings at least one path of the context
    IGNORED = "ignored"  # matches, but only what .dockerignore leaves out
    MISSING = "missing"  # matches nothing
    UNKNOWN = "unknown"  # cannot be resolved (a value known only at build time, a partial walk)


@dataclass(frozen=True)
class SourceMatch:
    source: str  # as given
    pattern: str  # cleaned, relative to the root ("" = the root)
    state: State
    paths: tuple[str, ...] = ()  # what the source names in the context (links as named)
    files: tuple[str, ...] = ()  # every non-excluded entry it brings (links followed)
    ignored: tuple[str, ...] = ()  # entries it would bring that .dockerignore leaves out
    links: tuple[Symlink, ...] = ()  # symlinks followed on the way, in order
    leaves_context: bool = False  # `..` climbs above the root (classic: refused)
    reason: str = ""  # why it is missing or unknown
    unreadable: tuple[tuple[str, str], ...] = ()  # (path, why) it brings that cannot be read

    @property
    def escapes(self) -> tuple[Symlink, ...]:
        """Links on the way whose target lies outside the build folder."""
        return tuple(link for link in self.links if link.escapes)

    @property
    def used(self) -> frozenset[str]:
        """Every context path this source reads, links on the way included."""
        return frozenset(self.paths) | frozenset(self.files) | {s.path for s in self.links}


@dataclass
class _Walk:
    entries: dict[str, Entry] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, Symlink] = field(default_factory=dict)
    incomplete: str | None = None
    unreadable: dict[str, str] = field(default_factory=dict)  # folders scandir refused


class BuildContext:
    """One build folder, walked once (bounded) and read as Docker reads it."""

    def __init__(
        self, root: Path, *, max_entries: int = MAX_ENTRIES, max_depth: int = MAX_DEPTH
    ) -> None:
        self.root = root
        self.real_root = Path(os.path.realpath(root))
        walk = self._walk(max_entries, max_depth)
        self.entries = walk.entries
        self._children = walk.children
        self.symlinks: dict[str, Symlink] = walk.links
        self.incomplete: str | None = walk.incomplete  # why the walk stopped early, or None
        self._unreadable: dict[str, str | None] = {**walk.unreadable}
        self.ignore_error: str | None = None
        self.dockerignore = DockerIgnore()
        ignore_file = root / ".dockerignore"
        if ignore_file.is_file():
            try:
                text = ignore_file.read_text(encoding="utf-8", errors="replace")
                self.dockerignore = DockerIgnore.parse(text)
            except (OSError, ValueError) as exc:
                self.ignore_error = f".dockerignore cannot be read: {exc}"

    # -- walking ------------------------------------------------------------------------------
    def _walk(self, max_entries: int, max_depth: int) -> _Walk:
        walk = _Walk()
        walk.entries[""] = Entry("", Kind.DIR, 0, False)
        pending: list[tuple[str, int]] = [("", 0)]
        while pending:
            rel, depth = pending.pop()
            names: list[str] = []
            walk.children[rel] = names
            try:
                with os.scandir(self.root / rel if rel else self.root) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                walk.incomplete = f"cannot read {rel or '.'}: {exc.strerror}"
                walk.unreadable[rel] = exc.strerror or type(exc).__name__
                continue
            for item in items:
                if len(walk.entries) > max_entries:
                    walk.incomplete = f"the folder holds more than {max_entries} entries"
                    return walk
                path = f"{rel}/{item.name}" if rel else item.name
                names.append(item.name)
                walk.entries[path] = entry = self._entry(path, item)
                if entry.kind is Kind.LINK:
                    walk.links[path] = self._symlink(path)
                elif entry.kind is Kind.DIR:
                    if depth + 1 >= max_depth:
                        walk.incomplete = f"{path} is nested deeper than {max_depth} folders"
                        walk.children[path] = []
                    else:
                        pending.append((path, depth + 1))
        return walk

    @staticmethod
    def _entry(path: str, item: os.DirEntry[str]) -> Entry:
        try:
            st = item.stat(follow_symlinks=False)
        except OSError:
            return Entry(path, Kind.OTHER, 0, False)
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            kind = Kind.LINK
        elif stat.S_ISDIR(mode):
            kind = Kind.DIR
        elif stat.S_ISREG(mode):
            kind = Kind.FILE
        else:
            kind = Kind.OTHER
        return Entry(path, kind, st.st_size if kind is Kind.FILE else 0, bool(mode & 0o111))

    def _symlink(self, path: str) -> Symlink:
        target = os.readlink(self.root / path)
        if target.startswith("/"):
            inside = go_clean(target).lstrip("/")
            host = os.path.realpath(target)
            escapes = not (host == str(self.real_root) or host.startswith(str(self.real_root) + os.sep))
            note = f"an absolute target, which the build reads inside the build folder as /{inside}"
            return Symlink(path, target, escapes, "" if inside == "." else inside, note)
        joined = go_clean(posixpath.join(posixpath.dirname(path), target))
        if joined == ".." or joined.startswith("../"):
            clamped = go_clean("/" + joined).lstrip("/")
            note = "a target above the build folder (BuildKit: not found; classic: clamped to the root)"
            return Symlink(path, target, True, "" if clamped == "." else clamped, note)
        return Symlink(path, target, False, "" if joined == "." else joined, "a relative target")

    # -- queries ------------------------------------------------------------------------------
    @property
    def files(self) -> list[str]:
        """Every entry but folders (files, symlinks, others), posix paths relative to the root."""
        return [p for p, e in self.entries.items() if p and e.kind is not Kind.DIR]

    def excluded(self, path: str) -> bool:
        """Whether .dockerignore leaves the path out of the build context."""
        return bool(path) and self.dockerignore.excludes(path)

    def below(self, path: str) -> list[str]:
        """The entry and every entry below it (symlinked folders not entered)."""
        if path not in self.entries:
            return []
        out = [path]
        if self.entries[path].kind is Kind.DIR:
            prefix = f"{path}/" if path else ""
            out.extend(p for p in self.entries if p.startswith(prefix) and p != path)
        return out

    def unreadable(self, path: str) -> str | None:
        """Why the build cannot read this entry, or None. The client that sends the context
        opens every regular file (docker CLI: "no permission to read from"), so a file counts
        as unreadable when open() fails for this process; for root that takes a filesystem or
        security module that refuses it, or a process without CAP_DAC_OVERRIDE."""
        if path in self._unreadable:
            return self._unreadable[path]
        why: str | None = None
        if self.entries[path].kind is Kind.FILE:
            try:
                os.close(os.open(self.root / path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW))
            except OSError as exc:
                why = exc.strerror or type(exc).__name__
        self._unreadable[path] = why
        return why

    def resolve(self, source: str) -> SourceMatch:
        """What a COPY/ADD source (after variable expansion) brings from this context."""
        if "$" in source:
            return SourceMatch(source, source, State.UNKNOWN,
                               reason="it holds a variable whose value is not known before the build")
        if self.ignore_error is not None:
            return SourceMatch(source, source, State.UNKNOWN, reason=self.ignore_error)
        pattern, leaves = clean_source(source)
        parts = pattern.split("/") if pattern else []
        trail: list[Symlink] = []
        try:
            found = self._expand("", "", parts, 0, trail)
        except ValueError as exc:
            return SourceMatch(source, pattern, State.MISSING, leaves_context=leaves,
                               reason=f"`{source}` is not a valid pattern ({exc})")
        links = tuple(dict.fromkeys(trail))
        paths = tuple(dict.fromkeys(named for named, _ in found))
        brought: list[str] = []
        ignored: list[str] = []
        for named, real in found:
            blocked = self.excluded(named) or any(self.excluded(link.path) for link in links)
            for path in self.below(real):
                (ignored if blocked or self.excluded(path) else brought).append(path)
        files = tuple(dict.fromkeys(p for p in brought if self.entries[p].kind is not Kind.DIR))
        kept_dirs = [p for p in brought if self.entries[p].kind is Kind.DIR]
        skipped = tuple(dict.fromkeys(p for p in ignored if self.entries[p].kind is not Kind.DIR))
        common = dict(source=source, pattern=pattern, paths=paths, links=links,
                      leaves_context=leaves)
        if files or kept_dirs:
            refused = tuple((p, why) for p in dict.fromkeys(brought)
                            if (why := self.unreadable(p)) is not None)
            return SourceMatch(state=State.FOUND, files=files, ignored=skipped,  # type: ignore[arg-type]
                               unreadable=refused, **common)
        if found:
            return SourceMatch(state=State.IGNORED, ignored=skipped or paths, **common,  # type: ignore[arg-type]
                               reason="everything it matches is excluded by .dockerignore")
        if self.incomplete is not None:
            return SourceMatch(state=State.UNKNOWN, **common,  # type: ignore[arg-type]
                               reason=f"the folder walk is incomplete: {self.incomplete}")
        return SourceMatch(state=State.MISSING, **common, reason=self._why_missing(parts))  # type: ignore[arg-type]

    def _expand(
        self, named: str, real: str, parts: list[str], hops: int, trail: list[Symlink],
        literal: bool = False,
    ) -> list[tuple[str, str]]:
        """(path as named, real path after links) for each match; links followed go to trail."""
        if not parts:
            return [(named, real)]
        head, rest = parts[0], parts[1:]
        names = self._children.get(real, [])
        if literal:
            picked = [head] if head in names else []
        elif has_magic(head):
            rx = glob_regex(head)
            picked = [n for n in names if rx.fullmatch(n)]
        else:
            glob_regex(head)  # a malformed escape is an error even without wildcards
            picked = [_unescape(head)] if _unescape(head) in names else []
        out: list[tuple[str, str]] = []
        for name in picked:
            here_named = f"{named}/{name}" if named else name
            here = f"{real}/{name}" if real else name
            link = self.symlinks.get(here)
            if link is None:
                out.extend(self._expand(here_named, here, rest, hops, trail, literal))
                continue
            trail.append(link)
            if hops >= _MAX_HOPS or link.in_context is None:
                continue  # a symlink loop: Docker finds nothing there
            target = link.in_context.split("/") if link.in_context else []
            for _, target_real in self._expand("", "", target, hops + 1, trail, literal=True):
                out.extend(self._expand(here_named, target_real, rest, hops + 1, trail, literal))
        return out

    def _why_missing(self, parts: list[str]) -> str:
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            link = self.symlinks.get(prefix)
            if link is not None:
                return f"`{prefix}` is a symlink to {link.target}: {link.note}, where nothing matches"
        return "no file or folder of the build folder matches it"


# -- the sources of a Dockerfile --------------------------------------------------------------


@dataclass(frozen=True)
class CopySource:
    """One source word of a COPY/ADD that reads the build context."""

    instruction: Instruction
    written: str  # as in the Dockerfile
    source: str  # after BuildKit's expansion and quote removal
    unknown: str | None = None  # why its value cannot be known, when it cannot


def copy_sources(parsed: BuildModel) -> list[CopySource]:
    """Context sources of COPY/ADD: not `--from=`, heredocs (`<<EOF`), URLs or git@ sources."""
    out: list[CopySource] = []
    for ins in parsed.of("COPY", "ADD"):
        if ins.flag("from") is not None or len(ins.value) < 2:
            continue
        expanded = getattr(ins, "expanded", ()) or ()
        words = expanded if len(expanded) == len(ins.value) else ()
        heredocs = {h.name for h in ins.heredocs}
        for i, written in enumerate(ins.value[:-1]):
            word = words[i] if words else written
            if written.startswith("<<") and (not heredocs or written.lstrip("<-").strip("'\"") in heredocs):
                continue
            if _URL.match(word):
                continue
            out.append(CopySource(ins, written, word, _unknown_reason(ins, written, word, bool(words))))
    return out


def _unknown_reason(ins: Instruction, written: str, word: str, expanded: bool) -> str | None:
    if "$" not in word:
        return None
    if not expanded:
        return "its variables were not expanded"
    refs = [u for u in ins.unknown if re.search(rf"\$\{{?{re.escape(u.name)}\b", written)]
    if not refs:
        return None  # an escaped `\$`: a literal dollar sign in the file name
    return "; ".join(dict.fromkeys(f"${u.name}: {u.reason}" for u in refs))


_CONTEXTS: "weakref.WeakKeyDictionary[BuildModel, BuildContext | None]" = weakref.WeakKeyDictionary()


def context_of(parsed: BuildModel) -> BuildContext | None:
    """The build context of a parsed Dockerfile (walked once per model), None without one."""
    if parsed not in _CONTEXTS:
        folder = parsed.context_dir
        _CONTEXTS[parsed] = BuildContext(folder) if folder is not None else None
    return _CONTEXTS[parsed]


def resolve_all(
    context: BuildContext, sources: Iterable[CopySource]
) -> list[tuple[CopySource, SourceMatch]]:
    """Each source with what it brings; an unknown value stays unknown, with its reason."""
    out = []
    for src in sources:
        if src.unknown is not None:
            out.append((src, SourceMatch(src.source, src.source, State.UNKNOWN, reason=src.unknown)))
        else:
            out.append((src, context.resolve(src.source)))
    return out


__all__ = [
    "BuildContext",
    "clean_source",
    "CopySource",
    "DockerIgnore",
    "Entry",
    "Kind",
    "SourceMatch",
    "State",
    "Symlink",
    "context_of",
    "copy_sources",
    "glob_regex",
    "go_clean",
    "resolve_all",
]
