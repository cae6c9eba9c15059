"""Suppression comments (pragmas) in Dockerfiles and job scripts: their grammar and what each covers.

    # imagesmith: ignore=IS105,DL3008 -- reason      the next instruction (job script: directive or command)
    # imagesmith: ignore-stage=IS201 -- reason       the stage that follows (or the one it is in)
    # imagesmith: ignore-file=IS107 -- reason        the whole file
    # hadolint ignore=DL3008,SC2046                  hadolint's: the instruction starting on the next line
    # hadolint global ignore=DL3059                  hadolint's: the whole file

Codes may be prefixes (`IS6`). A stage range runs from its FROM line to the line before
the next FROM, so a finding on the FROM line itself belongs to the stage it starts
(hadolint 2.15 matches it against the previous stage's ignores). `# hadolint ignore=` keeps
hadolint's own rule: it covers an instruction only when that instruction starts on the line
right after the comment. Filtering findings is `imagesmith.lint.suppress`'s job.

Dockerfile scoping reads only `instructions` (line, end_line, cmd, stage), `stages` (index,
line), `comments` and `lines`, so any Dockerfile model with those attributes works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from imagesmith.parse.jobscript import ParsedJobScript

# Codes are comma- (or space-) separated code tokens; anything else after them needs `--`, so
# that `ignore=IS105 is fine here` is no pragma (IS005 says so) instead of ignoring `IS`, `FINE`.
_CODE = r"[A-Z]{2}[0-9]{0,4}"  # IS, IS6, IS105, DL3008, SC2046 (upper case, as rules print them)
_PRAGMA = re.compile(
    r"^#\s*imagesmith:\s*(?P<kind>ignore|ignore-stage|ignore-file)\s*=\s*"
    rf"(?P<codes>{_CODE}(?:(?:\s*,\s*|\s+){_CODE})*)\s*(?:--\s*(?P<reason>.*))?$"
)
# hadolint's grammar (src/Hadolint/Pragma.hs): codes separated by commas, an optional trailing
# `# comment`; hadolint accepts only DL/SC codes, imagesmith codes are accepted here too.
_HADOLINT = re.compile(
    r"^#\s*hadolint\s+(?:(?P<glob>global)\s+)?ignore\s*=\s*"
    r"(?P<codes>[A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*)\s*(?:#(?P<reason>.*))?$"
)


@dataclass(frozen=True)
class Pragma:
    line: int
    kind: str  # "ignore" | "ignore-stage" | "ignore-file"
    codes: tuple[str, ...]
    reason: str = ""
    dialect: str = "imagesmith"  # "imagesmith" | "hadolint"


@dataclass(frozen=True)
class Suppression:
    codes: tuple[str, ...]
    first_line: int
    last_line: int
    comment_line: int
    reason: str = ""
    dialect: str = "imagesmith"

    def covers(self, code: str, line: int) -> bool:
        return self.first_line <= line <= self.last_line and any(
            code.startswith(c) for c in self.codes
        )


def parse_pragma(line: int, text: str) -> Pragma | None:
    """The pragma a comment line holds, in either dialect; None for any other comment."""
    m = _PRAGMA.match(text)
    if m:
        codes = tuple(c.upper() for c in re.split(r"[,\s]+", m.group("codes")) if c)
        return Pragma(line, m.group("kind"), codes, (m.group("reason") or "").strip())
    m = _HADOLINT.match(text)
    if m:
        codes = tuple(c.strip().upper() for c in m.group("codes").split(","))
        kind = "ignore-file" if m.group("glob") else "ignore"
        return Pragma(line, kind, codes, (m.group("reason") or "").strip(), "hadolint")
    return None


DIRECTIVES = ("ignore", "ignore-stage", "ignore-file")


def malformed_pragma(text: str) -> str | None:
    """Why a comment that addresses imagesmith or hadolint is no pragma they read (a typo such
    as `ignroe=`, a missing `=`, a code list that is not codes), or None when it is one or is
    not addressed to them at all."""
    import difflib

    stripped = text.strip()
    if parse_pragma(0, stripped) is not None:
        return None
    m = re.match(r"^#\s*(?P<tool>imagesmith|hadolint)(?P<colon>:?)\s*(?P<rest>.*)$", stripped,
                 re.IGNORECASE)
    if m is None:
        return None
    tool, rest = m.group("tool").lower(), m.group("rest")
    word = re.split(r"[\s=]", rest, maxsplit=1)[0].lower()
    after = rest[len(word):].lstrip()
    codes_follow = re.match(rf"=?\s*{_CODE}\b", after) is not None and re.match(
        r"=?\s*(IS|DL|SC)\d", after, re.IGNORECASE) is not None
    close = difflib.get_close_matches(word, DIRECTIVES, n=1, cutoff=0.75)
    if tool == "hadolint":
        # `# hadolint ignore DL3008` (no =); prose about hadolint is left alone
        if word in ("ignore", "global") and codes_follow or (word == "global" and "ignore" in after
                                                             and "=" not in after):
            return "hadolint reads `# hadolint ignore=DL3008,SC2046` (codes after `=`)"
        return None
    if word in DIRECTIVES:
        if "=" not in after[:1] and not codes_follow:
            return None if not m.group("colon") else (
                "the codes must follow `=` as a comma-separated list (`ignore=IS105,DL3008 -- why`)")
        return ("the codes must follow `=` as a comma-separated list, and a reason `--` "
                "(`ignore=IS105,DL3008 -- why`)")
    if close and (m.group("colon") or codes_follow):
        return (f"`{word}` is not a directive (did you mean `{close[0]}=`?): imagesmith reads "
                "ignore=, ignore-stage=, ignore-file=")
    if m.group("colon") and rest:
        return (f"`{word}` is not a directive: imagesmith reads ignore=, ignore-stage=, "
                "ignore-file=")
    return None  # prose that mentions imagesmith


def find_pragmas(comments: Iterable[tuple[int, str]]) -> list[Pragma]:
    return [p for line, text in comments if (p := parse_pragma(line, text)) is not None]


class _Span(Protocol):
    @property
    def line(self) -> int: ...
    @property
    def end_line(self) -> int: ...


class _Instruction(_Span, Protocol):
    @property
    def cmd(self) -> str: ...
    @property
    def stage(self) -> int: ...


class _Stage(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def line(self) -> int: ...


class DockerfileLike(Protocol):
    @property
    def instructions(self) -> Sequence[_Instruction]: ...
    @property
    def stages(self) -> Sequence[_Stage]: ...
    @property
    def comments(self) -> Sequence[tuple[int, str]]: ...
    @property
    def lines(self) -> list[str]: ...


def _following(pragma: Pragma, spans: Sequence[_Span]) -> _Span | None:
    """The instruction (or command) an `ignore=` covers: the next one; hadolint's: only one
    that starts on the very next line."""
    nxt = next((s for s in spans if s.line > pragma.line), None)
    if nxt is not None and pragma.dialect == "hadolint" and nxt.line != pragma.line + 1:
        return None
    return nxt


def _suppression(p: Pragma, first: int, last: int) -> Suppression:
    return Suppression(p.codes, first, last, p.line, p.reason, p.dialect)


def suppressions(parsed: DockerfileLike) -> list[Suppression]:
    """What each pragma of a Dockerfile covers (a pragma that covers nothing is left out)."""
    out: list[Suppression] = []
    instructions = parsed.instructions
    last_line = max((len(parsed.lines), *(i.end_line for i in instructions)), default=1)
    for p in find_pragmas(parsed.comments):
        following = _following(p, instructions)
        if p.kind == "ignore-file":
            out.append(_suppression(p, 1, last_line))
        elif p.kind == "ignore" and following is not None:
            out.append(_suppression(p, following.line, following.end_line))
        elif p.kind == "ignore-stage":
            stage = _stage_for(parsed, p.line, following)
            if stage is None:
                continue
            nxt = next((s for s in parsed.stages if s.index == stage + 1), None)
            end = nxt.line - 1 if nxt is not None else last_line
            out.append(_suppression(p, parsed.stages[stage].line, end))
    return out


def job_suppressions(parsed: ParsedJobScript) -> list[Suppression]:
    """What each pragma of a job script covers: `ignore=` the next directive or command (all
    its lines), `ignore-file=` the whole script; `ignore-stage=` has no stage to cover."""
    spans = sorted(
        [_Line(d.line, d.line) for d in parsed.directives]
        + [_Line(c.line, c.end_line) for c in parsed.commands],
        key=lambda s: (s.line, s.end_line),
    )
    out: list[Suppression] = []
    for p in find_pragmas(parsed.comments):
        if p.kind == "ignore-file":
            out.append(_suppression(p, 1, max(len(parsed.lines), 1)))
        elif p.kind == "ignore" and (following := _following(p, spans)) is not None:
            out.append(_suppression(p, following.line, following.end_line))
    return out


@dataclass(frozen=True)
class _Line:
    line: int
    end_line: int


def _stage_for(parsed: DockerfileLike, line: int, following: _Instruction | None) -> int | None:
    """The stage a FROM right after the comment starts; else the stage the comment sits in."""
    if following is not None and following.cmd == "FROM":
        return following.stage
    started = [s.index for s in parsed.stages if s.line < line]
    return started[-1] if started else None
