"""Can pip install a framework release for the image's Python? (imagesmith/data/wheels.json)

    wheel_for("torch", "1.12.0", "3.6")  -> no  (V: PyPI has torch 1.12.0 wheels, none for cp36)

`no` means "pip cannot install it from that index" and is a failure only with confidence V/S/D
(`Availability.is_failure`). A PyPI answer covers PyPI only: a `+cuXYZ` pin or a wheel URL comes
from another index, which these rows mostly do not cover (unknown, not no).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from imagesmith.compat.fact_verdict import HARD, load_table
from imagesmith.core.errors import UserInputError
from imagesmith.core.versions import canonical_name, parse

TABLE = "wheels.json"
PYPI = "pypi"


class WheelKind(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Availability:
    kind: WheelKind
    reason: str
    source: str = ""
    confidence: str = "U"

    @property
    def is_failure(self) -> bool:
        return self.kind == WheelKind.NO and self.confidence in HARD


def python_minor(python: str) -> str:
    """`3.6`, `3.6.9`, `cp36`, `python3.6` -> `3.6`."""
    text = python.strip().lower().removeprefix("python")
    m = re.fullmatch(r"cp(\d)(\d+)", text) or re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?\+?", text)
    if not m:
        raise UserInputError(
            f"not a Python version: {python[:40]!r}", hint="write e.g. 3.6 or 3.6.9"
        )
    return f"{m.group(1)}.{m.group(2)}"


def _key(minor: str) -> tuple[int, int]:
    major, _, rest = minor.partition(".")
    return int(major), int(rest)


def _data() -> dict[str, Any]:
    return load_table(TABLE)


def _pypi_rows(package: str) -> dict[str, dict[str, Any]]:
    return {r["python"]: r for r in _data()["pypi"] if r["package"] == package}


def _not_binary(package: str, version: Version) -> dict[str, Any] | None:
    for row in _data()["not_binary"]:
        spec = row["version"]
        matches = version in SpecifierSet(spec) if spec[0] in "<>=!~" else version == Version(spec)
        if row["package"] == package and matches:
            return row
    return None


def _other_index(package: str, version: Version, python: str) -> Availability:
    for row in _data()["other_indexes"]:
        if row["package"] == package and version in SpecifierSet(row["versions"]):
            has = python in row["pythons"]
            kind = WheelKind.YES if has else WheelKind.NO
            verb = "has" if has else "has no"
            return Availability(
                kind,
                f"{row['index']} {verb} {package} {version} wheels for CPython {python}",
                row["source"],
                row["confidence"],
            )
    return Availability(
        WheelKind.UNKNOWN,
        f"{package} {version} is not on PyPI and no other index's file list is known",
    )


def wheel_for(package: str, version: str, python: str, index: str = PYPI) -> Availability:
    """Whether `pip install package==version` finds a manylinux/linux x86_64 wheel for `python`."""
    name = canonical_name(package)
    wanted = parse(version)
    minor = python_minor(python)
    if index != PYPI or wanted.local:
        return _other_index(name, Version(wanted.public), minor)
    rows = _pypi_rows(name)
    if not rows:
        return Availability(WheelKind.UNKNOWN, f"no wheel table for {name}")
    blocked = _not_binary(name, wanted)
    if blocked:
        return Availability(
            WheelKind.NO,
            f"{name} {version}: {blocked['reason']}",
            blocked["source"],
            blocked["confidence"],
        )
    known = [Version(v) for v in _data()["pypi_known_versions"][name]]
    if known and wanted > max(known):
        return Availability(
            WheelKind.UNKNOWN,
            f"{name} {version} is newer than the file list checked on {_data()['checked']}",
        )
    if minor in rows:
        return _answer(name, wanted, minor, rows[minor], wanted in known)
    return _between(name, wanted, minor, rows, wanted in known)


def _answer(
    name: str, wanted: Version, minor: str, row: dict[str, Any], on_pypi: bool
) -> Availability:
    listed = {Version(v) for v in row["versions"]}
    if wanted in listed:
        return Availability(
            WheelKind.YES,
            f"PyPI has {name} {wanted} wheels for CPython {minor}",
            row["source"],
            row["confidence"],
        )
    if not on_pypi:
        return _not_on_pypi(name, wanted, minor)
    span = f"{min(listed)} ... {max(listed)}" if listed else "none"
    return Availability(
        WheelKind.NO,
        f"PyPI has {name} {wanted}, but no wheel of it for CPython {minor} "
        f"(releases with CPython {minor} wheels: {span})",
        row["source"],
        row["confidence"],
    )


def _not_on_pypi(name: str, wanted: Version, minor: str) -> Availability:
    other = _other_index(name, wanted, minor)
    if other.kind != WheelKind.UNKNOWN:
        return Availability(
            WheelKind.NO,
            f"PyPI has no wheel of {name} {wanted} for any checked CPython; "
            f"{other.reason} (install it from there)",
            f"{_any_source(name)}; {other.source}",
            "V",  # the PyPI absence is checked; the other index's row only adds a hint
        )
    return Availability(
        WheelKind.NO,
        f"PyPI has no wheel of {name} {wanted} for any checked CPython",
        _any_source(name),
        "V",
    )


def _between(
    name: str, wanted: Version, minor: str, rows: dict[str, dict[str, Any]], on_pypi: bool
) -> Availability:
    """Derived rule for an unchecked CPython: the same answer on the nearest checked minors on
    both sides carries over (a release's CPython support is one contiguous range)."""
    below = [m for m in rows if _key(m) < _key(minor)]
    above = [m for m in rows if _key(m) > _key(minor)]
    if not on_pypi:
        return _not_on_pypi(name, wanted, minor)
    if not below or not above:
        return Availability(
            WheelKind.UNKNOWN, f"CPython {minor} is outside the checked range for {name}"
        )
    lo, hi = max(below, key=_key), min(above, key=_key)
    has_lo = wanted in {Version(v) for v in rows[lo]["versions"]}
    has_hi = wanted in {Version(v) for v in rows[hi]["versions"]}
    if has_lo != has_hi:
        return Availability(
            WheelKind.UNKNOWN,
            f"{name} {wanted} has CPython {lo if has_lo else hi} wheels but not {hi if has_lo else lo}; "
            f"{minor} was not checked",
        )
    rule = f"derived: CPython {lo} and {hi} agree (a release's CPython range is contiguous)"
    kind = WheelKind.YES if has_lo else WheelKind.NO
    verb = "has" if has_lo else "has no"
    return Availability(
        kind,
        f"PyPI {verb} {name} {wanted} wheels for CPython {minor} ({rule})",
        rows[lo]["source"],
        "D",
    )


def _any_source(name: str) -> str:
    rows = _pypi_rows(name)
    return next(iter(rows.values()))["source"] if rows else ""


def wheel_for_release(package: str, version: str, python: str) -> Availability:
    """`wheel_for`, and for a local build (`1.12.0+cu113`) that no file list covers, the
    release's own CPython support: every index builds a release for the same CPythons, so when
    PyPI's files of 1.12.0 have no cp36 wheel, the cu113 index has none either, and when they
    have one, so has the cu113 index (D; whether that index carries the flavour at all is the
    framework table's fact)."""
    found = wheel_for(package, version, python)
    if found.kind != WheelKind.UNKNOWN or "+" not in version:
        return found
    release = wheel_for(package, version.split("+", 1)[0], python)
    if release.kind in (WheelKind.NO, WheelKind.YES):
        return Availability(
            release.kind,
            f"{release.reason}; the {version.split('+', 1)[1]} build of the same release targets "
            "the same CPython versions",
            release.source,
            "D",
        )
    return found
