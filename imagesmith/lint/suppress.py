"""The one suppression path: `# imagesmith:` and `# hadolint` pragmas, Dockerfiles and job scripts.

hadolint runs with its own pragmas disabled (lint/external.py), so every DL/SC finding reaches
this filter and counts as suppressed like ours; settings with `pragmas` off keep everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imagesmith.lint.model import JOB_SCRIPT
from imagesmith.parse.pragmas import Suppression, job_suppressions, suppressions

if TYPE_CHECKING:
    from imagesmith.core.findings import Finding


@dataclass(frozen=True)
class Filtered:
    kept: list[Finding]
    suppressed: int


def suppressions_of(parsed: Any, kind: str) -> list[Suppression]:
    """What the pragmas of a parsed Dockerfile or (kind "job-script") job script cover."""
    return job_suppressions(parsed) if kind == JOB_SCRIPT else suppressions(parsed)


def apply_pragmas(findings: list[Finding], parsed: Any, kind: str, *, enabled: bool) -> Filtered:
    """Drop the findings a pragma covers (none when `enabled` is False)."""
    if not enabled:
        return Filtered(list(findings), 0)
    sups = suppressions_of(parsed, kind)
    kept = [f for f in findings if not any(s.covers(f.code, f.line) for s in sups)]
    return Filtered(kept, len(findings) - len(kept))
