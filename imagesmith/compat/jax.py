"""JAX's CUDA flavours: which GPUs and drivers they need (imagesmith/data/jax.json).

    jax_build("jax[cuda12]", "0.4.30").check("3.7", "470.82.01")  -> fails (SM 3.7 < 5.2)
    jax_build("jax[cuda12]", "0.4.30").check("6.1", "470.82.01")  -> fails (driver < 525.60.13)

A flavour is named by a pip extra (`jax[cuda12_pip]`, or the bare `cuda12_pip`), a plugin
package (`jax-cuda12-plugin`) or a jaxlib local version (`jaxlib==0.4.13+cuda12.cudnn89`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from imagesmith.compat.fact_verdict import FactKind, FactVerdict, load_table, weakest
from imagesmith.core.errors import UserInputError
from imagesmith.core.versions import canonical_name, compare_numeric, parse

TABLE = "jax.json"


@dataclass(frozen=True)
class JaxFacts:
    """What one JAX CUDA flavour needs; `available` is False when that jax release lacks it."""

    selector: str
    family: str
    cuda_major: int | None
    min_sm: str | None
    min_driver: str | None
    jax_version: str | None
    available: bool | None
    source: str
    confidence: str
    note: str = ""

    def check(self, compute_capability: str, driver: str | None) -> FactVerdict:
        """Does this flavour run on a GPU of `compute_capability` under `driver`?"""
        pinned = self.jax_version and self.jax_version not in self.selector
        label = self.selector + (f" (jax {self.jax_version})" if pinned else "")
        if self.available is False:
            return FactVerdict(
                FactKind.FAILS,
                f"jax {self.jax_version} has no {self.selector}: pip installs the CPU-only jax "
                "(it only warns about the missing extra)",
                self.source,
                self.confidence,
            )
        if self.min_sm is None or self.min_driver is None:
            return FactVerdict(
                FactKind.UNKNOWN, f"{label}: GPU and driver floors not known", self.source, "U"
            )
        below = compare_numeric(compute_capability, self.min_sm)
        if below is None:
            raise UserInputError(
                f"not a compute capability: {compute_capability[:20]!r}", hint="write e.g. 6.1"
            )
        if below < 0:
            return FactVerdict(
                FactKind.FAILS,
                f"{label} needs SM >= {self.min_sm}; the GPU is SM {compute_capability}",
                self.source,
                self.confidence,
            )
        if driver is None:
            return FactVerdict(
                FactKind.UNKNOWN,
                f"{label} needs driver >= {self.min_driver}; the driver is not known",
                self.source,
            )
        older = compare_numeric(driver, self.min_driver)
        if older is None:
            raise UserInputError(
                f"not a driver version: {driver[:20]!r}", hint="write e.g. 470.82.01"
            )
        if older < 0:
            return FactVerdict(
                FactKind.FAILS,
                f"{label} needs driver >= {self.min_driver} (CUDA {self.cuda_major}); the node has {driver}",
                self.source,
                self.confidence,
            )
        return FactVerdict(
            FactKind.RUNS,
            f"{label}: SM {compute_capability} >= {self.min_sm} and driver {driver} >= {self.min_driver}",
            self.source,
            self.confidence,
        )


def _data() -> dict[str, Any]:
    return load_table(TABLE)


def _family(name: str) -> dict[str, Any]:
    return next(f for f in _data()["families"] if f["family"] == name)


def _parse(spec: str) -> tuple[str | None, set[str], str | None]:
    """(package, extras, pinned version) of `jax[cuda12]==0.4.30`, `cuda12_pip`, `jaxlib 0.4.13+cuda12`."""
    text = spec.strip()
    if re.fullmatch(r"[A-Za-z0-9_]+", text) and not text.startswith(("jax", "jaxlib")):
        return None, {text.lower()}, None
    # `jaxlib 0.4.13+cuda12` (pip list style) -> `jaxlib==0.4.13+cuda12`
    text = re.sub(r"^(\S+)\s+(\d\S*)$", r"\1==\2", text)
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise UserInputError(
            f"not a JAX requirement: {spec[:80]!r}", hint="write e.g. jax[cuda12]==0.4.30"
        ) from exc
    pinned = next((s.version for s in req.specifier if s.operator in ("==", "===")), None)
    return canonical_name(req.name), {e.lower() for e in req.extras}, pinned


def jax_build(spec_or_extras: str, version: str | None = None) -> JaxFacts | None:
    """The CUDA flavour a JAX requirement selects, or None for a CPU-only one (`jax`, `jax[cpu]`)."""
    package, extras, pinned = _parse(spec_or_extras)
    version = version or pinned
    if package == "jaxlib" and version and parse(version).local:
        return _jaxlib_local(version)
    for row in _data()["selectors"]:
        hit = row.get("extra") in extras if "extra" in row else row.get("package") == package
        if hit:
            selector = f"jax[{row['extra']}]" if "extra" in row else row["package"]
            return _facts(row, selector, version)
    if extras - {"cpu", "minimum-jaxlib"}:
        unknown = ", ".join(sorted(extras))
        return JaxFacts(
            f"jax[{unknown}]",
            "unknown",
            None,
            None,
            None,
            version,
            None,
            "",
            "U",
            "extra not in the table",
        )
    return None


def _facts(row: dict[str, Any], selector: str, version: str | None) -> JaxFacts:
    fam = _family(row["family"])
    available = (
        None if version is None else parse(parse(version).base_version) in SpecifierSet(row["jax"])
    )
    return JaxFacts(
        selector,
        fam["family"],
        fam["cuda_major"],
        fam["min_sm"],
        fam["min_driver"],
        version,
        available,
        f"{fam['source']}; {row['source']}",
        weakest(fam["confidence"], row["confidence"]) if available is False else fam["confidence"],
        row.get("note", ""),
    )


def _jaxlib_local(version: str) -> JaxFacts:
    rule = _data()["jaxlib_local"]
    local = parse(version).local or ""
    m = re.match(rule["pattern"], local)
    if not m:
        return JaxFacts(
            f"jaxlib {version}", "unknown", None, None, None, version, None, rule["source"], "U"
        )
    digits = m.group(1)
    # `cuda111` is 11.1, `cuda92` is 9.2, `cuda12` (newer naming) is CUDA 12.x
    two_digit_major = len(digits) >= 3 or (len(digits) == 2 and digits[0] == "1")
    major = int(digits[:2]) if two_digit_major else int(digits[0])
    names = {f["cuda_major"]: f["family"] for f in _data()["families"]}
    family = names.get(major, "cuda10-and-older-jaxlib")
    if parse(parse(version).base_version) < parse(rule["floors_from"]):
        # the guide's SM/driver floors are stated only from floors_from on
        family = "cuda10-and-older-jaxlib"
    fam = _family(family)
    return JaxFacts(
        f"jaxlib {version}",
        fam["family"],
        major,
        fam["min_sm"],
        fam["min_driver"],
        version,
        True,
        f"{fam['source']}; {rule['source']}",
        weakest(fam["confidence"], rule["confidence"]),
        rule.get("note", ""),
    )
