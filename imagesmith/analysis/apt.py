"""apt-get / apt invocations in RUN commands, where they sit (read by `model.installs`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from imagesmith.model import ParsedDockerfile, RunCommand
from imagesmith.model.installs import PROMPTING, apt_call
from imagesmith.model.installs import AptCall as _Call

__all__ = ["PROMPTING", "AptCall", "apt_calls"]


@dataclass(frozen=True)
class AptCall:
    run: RunCommand
    call: _Call

    @property
    def line(self) -> int:
        return self.run.line

    @property
    def tool(self) -> str:
        return self.call.tool

    @property
    def action(self) -> str:
        return self.call.action

    @property
    def flags(self) -> tuple[str, ...]:
        return self.call.flags

    @property
    def operands(self) -> tuple[str, ...]:
        return self.call.operands

    @property
    def prompts(self) -> bool | None:
        """True when apt would stop at "Do you want to continue?" (None: cannot be told)."""
        return self.call.prompts


def apt_calls(parsed: ParsedDockerfile) -> list[AptCall]:
    return list(_apt_calls(parsed))


@lru_cache(maxsize=64)
def _apt_calls(parsed: ParsedDockerfile) -> tuple[AptCall, ...]:
    out = []
    for rc in parsed.runs:
        call = apt_call(rc.words or rc.argv, rc.env)
        if call is not None and call.action:
            out.append(AptCall(rc, call))
    return tuple(out)
