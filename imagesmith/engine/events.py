"""What engine operations return: a finished run, and the decoded events of build and push streams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False


@dataclass
class BuildEvent:
    """One decoded event of a streamed build: a log chunk, a step header, an error or the result."""

    kind: str  # "step" | "log" | "error" | "done"
    text: str = ""
    step: int | None = None
    total: int | None = None
    image_id: str | None = None
    error_detail: dict[str, Any] | None = None
    stage: str | None = None  # BuildKit: the stage whose `step` of `total` this is


@dataclass
class PushEvent:
    """One decoded event of a push. A failed push raises (RegistryRefused, EngineNotFound,
    EngineError) instead of yielding an event; the "error" kind is kept for consumers."""

    kind: str  # "progress" | "status" | "error" | "done"
    text: str = ""
    layer: str | None = None
    current: int | None = None
    total: int | None = None
    digest: str | None = None
