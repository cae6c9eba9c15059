"""Project configuration: `imagesmith.toml` or `[tool.imagesmith]` in pyproject.toml,
found from a target's folder upward.

Layout of the table: `profile = "NAME|FILE"`, `[lint]` (select, ignore, severity,
fail-on, hadolint), `[request]` (metadata for the admins), `[[tests]]` (smoke tests).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagesmith.core.errors import ConfigError, UserInputError

CONFIG_NAMES = ("imagesmith.toml", ".imagesmith.toml", "pyproject.toml")


@dataclass
class FoundConfig:
    path: Path
    data: dict[str, Any]


def read_toml(path: Path, error: type[UserInputError] = ConfigError, what: str = "") -> dict[str, Any]:
    """A TOML file as a dict; unreadable, non-UTF-8 or invalid files raise `error` naming it."""
    prefix = f"{what} is " if what else ""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{prefix}not valid TOML: {exc}", where=path) from None
    except UnicodeDecodeError:
        raise error(f"{prefix}not UTF-8 text; save it as UTF-8", where=path) from None
    except OSError as exc:
        raise error(f"cannot read {what or 'it'}: {exc.strerror}", where=path) from None



def read_config_file(path: Path) -> FoundConfig:
    """One config file; for pyproject.toml its `[tool.imagesmith]` table."""
    data = read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("imagesmith", {})
    return FoundConfig(path, data)


def find_project_config(start: Path) -> FoundConfig | None:
    """The nearest config at or above `start` (a file or a folder)."""
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            path = folder / name
            if not path.is_file():
                continue
            data = read_toml(path)
            if name == "pyproject.toml":
                table = data.get("tool", {}).get("imagesmith")
                if table is None:
                    continue
                return FoundConfig(path, table)
            return FoundConfig(path, data)
    return None
