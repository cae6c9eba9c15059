"""Fixtures for the recipe tests: golden files with an update switch.

Run with IMAGESMITH_UPDATE_GOLDEN=1 to rewrite the files under
tests/recipes/golden/ from the current output; review the diff before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture()
def golden() -> Callable[[str, bytes], None]:
    update = os.environ.get("IMAGESMITH_UPDATE_GOLDEN", "") not in ("", "0")

    def check(name: str, actual: bytes) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
            return
        assert path.is_file(), f"no golden file {path}; run with IMAGESMITH_UPDATE_GOLDEN=1"
        expected = path.read_bytes()
        assert actual == expected, (
            f"{name} differs from its golden file; if the change is intended, rerun with "
            f"IMAGESMITH_UPDATE_GOLDEN=1 and review the diff.\n--- golden\n{expected.decode()}"
            f"\n--- actual\n{actual.decode()}"
        )

    return check
