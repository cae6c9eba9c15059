"""A request's own acceptance tests (`[[tests]]` in the build folder's imagesmith.toml), as
they travel from the folder into a bundle's manifest and on to `verify`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from imagesmith.core.typed_load import from_mapping


@dataclass(frozen=True)
class SmokeTest:
    name: str
    run: str
    expect_exit: int = 0
    expect_stdout: str | None = None
    timeout: float = 60.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def smoke_tests_from(items: list[Any], label: str = "tests") -> list[SmokeTest]:
    """Typed tests from a TOML array or a manifest field; LoadError names the bad entry."""
    return [from_mapping(SmokeTest, item, f"{label}[{i}]") for i, item in enumerate(items)]
