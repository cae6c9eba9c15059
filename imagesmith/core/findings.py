"""Findings: what a rule reports, and the severity scale shared by every report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1, "style": 0}[self.value]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls(text.lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (use {allowed})") from None


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    end_line: int | None = None
    column: int = 1
    help: str = ""
    # Rule-specific structured facts (e.g. the package, the versions) for JSON consumers.
    data: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    # One past the last column (SARIF's and ruff's convention) on `line`; None: not known.
    end_column: int | None = None

    @property
    def span_end(self) -> int | None:
        """`end_column` where it means something: a one-line finding with a non-empty span."""
        one_line = self.end_line is None or self.end_line == self.line
        if one_line and self.end_column is not None and self.end_column > self.column:
            return self.end_column
        return None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)
