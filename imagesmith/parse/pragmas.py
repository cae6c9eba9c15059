"""Suppression comments in a Dockerfile.

    # imagesmith: ignore=IS105,DL3008 -- reason      the next instruction
    # imagesmith: ignore-stage=IS201 -- reason       the stage that follows (or the one it is in)
    # imagesmith: ignore-file=IS107 -- reason        the whole file

Codes may be prefixes (`IS6`). A stage range runs from its FROM line to the line before
the next FROM, so a finding on the FROM line itself belongs to the stage it starts
(hadolint 2.15 matches it against the previous stage's ignores).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imagesmith.parse.dockerfile import Instruction, ParsedDockerfile

_PRAGMA = re.compile(
    r"^#\s*imagesmith:\s*(?P<kind>ignore|ignore-stage|ignore-file)\s*=\s*(?P<codes>[A-Za-z0-9_,\s]+?)"
    r"\s*(?:--\s*(?P<reason>.*))?$"
)


@dataclass(frozen=True)
class Suppression:
    codes: tuple[str, ...]
    first_line: int
    last_line: int
    comment_line: int
    reason: str = ""

    def covers(self, code: str, line: int) -> bool:
        return self.first_line <= line <= self.last_line and any(
            code.startswith(c) for c in self.codes
        )


def suppressions(parsed: ParsedDockerfile) -> list[Suppression]:
    out: list[Suppression] = []
    instructions = parsed.instructions
    last_line = max((len(parsed.lines), *(i.end_line for i in instructions)), default=1)
    for line, text in parsed.comments:
        m = _PRAGMA.match(text)
        if not m:
            continue
        codes = tuple(c.strip().upper() for c in re.split(r"[,\s]+", m.group("codes")) if c.strip())
        reason = (m.group("reason") or "").strip()
        kind = m.group("kind")
        following = next((i for i in instructions if i.line > line), None)
        if kind == "ignore-file":
            out.append(Suppression(codes, 1, last_line, line, reason))
        elif kind == "ignore" and following is not None:
            out.append(Suppression(codes, following.line, following.end_line, line, reason))
        elif kind == "ignore-stage":
            stage = _stage_for(parsed, line, following)
            if stage is None:
                continue
            nxt = next((s for s in parsed.stages if s.index == stage + 1), None)
            end = nxt.line - 1 if nxt is not None else last_line
            out.append(Suppression(codes, parsed.stages[stage].line, end, line, reason))
    return out


def _stage_for(parsed: ParsedDockerfile, line: int, following: Instruction | None) -> int | None:
    """The stage a FROM right after the comment starts; else the stage the comment sits in."""
    if following is not None and following.cmd == "FROM":
        return following.stage
    started = [s.index for s in parsed.stages if s.line < line]
    return started[-1] if started else None
