"""The answer type of the sourced knowledge tables (tf_cudnn, wheels, jax, compat_package).

Each answer says what was decided, why, from which row (`source`) and how sure that row is
(`confidence`: V verified, S secondary, D derived by a stated rule, U uncertain). An answer
resting on a U row is never a failure: `is_failure` is true only for FAILS backed by V/S/D.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from imagesmith.core.errors import UserInputError
from imagesmith.core.versions import try_parse

CONFIDENCES = ("V", "S", "D", "U")
HARD = frozenset({"V", "S", "D"})


class FactKind(StrEnum):
    RUNS = "runs"
    FAILS = "fails"
    UNKNOWN = "unknown"  # not resolvable from the tables: never a pass


@dataclass(frozen=True)
class FactVerdict:
    kind: FactKind
    reason: str
    source: str = ""
    confidence: str = "U"

    @property
    def is_failure(self) -> bool:
        return self.kind == FactKind.FAILS and self.confidence in HARD


def weakest(*marks: str) -> str:
    """The least certain of several confidence marks (a chain is as sure as its weakest row)."""
    return max(marks, key=CONFIDENCES.index)


@lru_cache(maxsize=None)
def load_table(name: str) -> dict[str, Any]:
    """A JSON table shipped in imagesmith/data."""
    path = resources.files("imagesmith.data") / name
    return json.loads(path.read_text(encoding="utf-8"))


def major_minor_pair(text: str, what: str) -> tuple[int, int]:
    """(major, minor) of `7.1.2`, `7.1`, `7` (minor 0) or cuDNN's integer form `7102`."""
    raw = text.strip()
    if raw.isdigit() and len(raw) == 4:  # cudnnGetVersion(): major*1000 + minor*100 + patch
        return int(raw[0]), int(raw[1])
    parsed = try_parse(raw)
    if parsed is None or not parsed.release:
        raise UserInputError(f"not a {what} version: {text[:80]!r}", hint="write e.g. 7.1.2")
    release = parsed.release
    return release[0], release[1] if len(release) > 1 else 0
