"""The `[lint]` table of `imagesmith.toml` (or `[tool.imagesmith.lint]` in pyproject.toml).

[lint]
select = ["IS"]              # codes or prefixes to run (default: all)
ignore = ["IS107", "DL3008"]  # codes or prefixes to drop
severity = { IS504 = "warning", DL = "info" }   # per code or prefix
fail-on = "warning"          # error | warning | info | style
hadolint = "auto"            # auto | on | off
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from imagesmith.core.errors import ConfigError
from imagesmith.core.findings import Severity
from imagesmith.core.typed_load import LoadError, from_mapping

HadolintMode = Literal["auto", "on", "off"]


@dataclass
class LintConfig:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str | None = None
    hadolint: HadolintMode | None = None
    pragmas: bool = True
    source: str = field(default="", metadata={"dump": False})

    def validate(self, path: str) -> None:
        for key, value in self.severity.items():
            try:
                Severity.parse(value)
            except ValueError as exc:
                raise LoadError(
                    f"{path}.severity.{key}" if path else f"severity.{key}", str(exc)
                ) from None
        if self.fail_on is not None:
            try:
                Severity.parse(self.fail_on)
            except ValueError as exc:
                raise LoadError(f"{path}.fail-on" if path else "fail-on", str(exc)) from None


_CACHE: dict[Path, LintConfig] = {}


def lint_config_for(target: Path) -> LintConfig:
    """The `[lint]` settings that apply to a Dockerfile or build folder (nearest config upward)."""
    from imagesmith.core.config import find_project_config

    folder = (target if target.is_dir() else target.parent).resolve()
    cached = _CACHE.get(folder)
    if cached is not None:
        return cached
    found = find_project_config(folder)
    config = LintConfig()
    if found is not None and "lint" in found.data:
        try:
            config = from_mapping(LintConfig, found.data["lint"], "lint")
        except LoadError as exc:
            raise ConfigError(exc.message, where=f"{found.path}: {exc.path}") from None
        config.source = str(found.path)
    _CACHE[folder] = config
    return config
