"""The settings one file is linted with: CLI options over the `[lint]` table found upward."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imagesmith.core.findings import Severity
from imagesmith.core.lint_config import LintConfig, lint_config_for
from imagesmith.lint.model import DEFAULT_FAIL_ON, LintOptions


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...]  # codes or prefixes; empty = all
    ignore: tuple[str, ...]
    severity: dict[str, Severity]  # code or prefix -> severity
    fail_on: Severity
    pragmas: bool
    hadolint: str  # "off" | "auto" | "on"


def merge(options: LintOptions, config: LintConfig | None) -> Settings:
    """Options win over the config: `select` replaces, `ignore` adds, `severity` overrides per key."""
    cfg = config or LintConfig()
    severity = {k.upper(): Severity.parse(v) for k, v in cfg.severity.items()}
    severity.update({k.upper(): v for k, v in options.severity.items()})
    fail_on = options.fail_on or (Severity.parse(cfg.fail_on) if cfg.fail_on else DEFAULT_FAIL_ON)
    return Settings(
        select=tuple(s.upper() for s in (options.select or cfg.select)),
        ignore=tuple(s.upper() for s in (*cfg.ignore, *options.ignore)),
        severity=severity,
        fail_on=fail_on,
        pragmas=options.pragmas and cfg.pragmas,
        hadolint=options.hadolint or cfg.hadolint or options.default_hadolint,
    )


def settings_for(path: Path | None, options: LintOptions) -> Settings:
    """The settings for a file or folder (`path` None: the working directory's config)."""
    config = None
    if options.use_config:
        config = lint_config_for(path if path is not None else Path.cwd())
    return merge(options, config)


def code_enabled(code: str, settings: Settings) -> bool:
    if settings.select and not any(code.startswith(s) for s in settings.select):
        return False
    return not any(code.startswith(i) for i in settings.ignore)


def severity_override(code: str, settings: Settings) -> Severity | None:
    """The override of the longest matching code or prefix, if any."""
    best = max((k for k in settings.severity if code.startswith(k)), key=len, default=None)
    return settings.severity[best] if best is not None else None
