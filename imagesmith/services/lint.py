"""The lint service: `imagesmith lint`, build, package, review and record lint through here.

    report = lint_paths([Path("dockertmp")], profile)
    report.exit_code()   # 0 clean, 1 findings at/above the threshold

The work is done by the lint package (`imagesmith.lint`: discovery, settings, runner,
suppression); this module is its service-layer face and keeps the names callers import.
"""

from __future__ import annotations

from imagesmith.lint.api import lint_paths, lint_startdocker_line, lint_text
from imagesmith.lint.discovery import DOCKERFILE_PATTERNS, LintTarget, discover, is_dockerfile_name
from imagesmith.lint.model import (
    DEFAULT_FAIL_ON,
    FileResult,
    LintOptions,
    LintReport,
    admin_policy,
    finding_json,
)
from imagesmith.lint.settings import code_enabled

__all__ = [
    "DEFAULT_FAIL_ON",
    "DOCKERFILE_PATTERNS",
    "FileResult",
    "LintOptions",
    "LintReport",
    "LintTarget",
    "admin_policy",
    "code_enabled",
    "discover",
    "finding_json",
    "is_dockerfile_name",
    "lint_paths",
    "lint_startdocker_line",
    "lint_text",
]
