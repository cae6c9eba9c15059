"""The rule contract.

A rule module defines one module-level `RULE = Rule(...)`. `check` is a pure
function of the parsed input and the profile that yields `Hit`s; the lint
service turns hits into `Finding`s (path, severity overrides, pragmas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from imagesmith.core.findings import Severity


@dataclass(frozen=True)
class RuleDoc:
    what: str  # what the rule checks, one paragraph
    why: str  # why it matters on this cluster, citing the guide section
    example: str  # a failing example (Dockerfile or job script text)
    instead: str  # the fixed example
    source: str = ""  # guide section / reference, e.g. "guide §5 step 3.1 (l.580)"


@dataclass(frozen=True)
class Hit:
    """One problem a rule found; location is 1-based lines/columns in the input file."""

    message: str
    line: int = 1
    end_line: int | None = None
    column: int = 1
    help: str = ""
    severity: Severity | None = None  # a rule may lower/raise a single hit (e.g. uncertain data)
    data: dict[str, Any] = field(default_factory=dict)
    # The word the hit is about (an image, a path, a variable): the runner points the column
    # span at it on `line`; without it the span is the line's text.
    subject: str | None = None
    end_column: int | None = None  # one past the last column, when the rule knows it


@dataclass(frozen=True)
class Rule:
    code: str  # "IS105"
    name: str  # "add-archive-extracted"
    severity: Severity
    group: str  # "build-folder", "base-image", "versions", "gpu", "job-uid", "run", "job-script"
    doc: RuleDoc
    check: Callable[..., Iterable[Hit]]
    input_kind: str = "dockerfile"  # "dockerfile" | "job-script"
    needs_context: bool = False  # only meaningful with a build folder (not for stdin)
