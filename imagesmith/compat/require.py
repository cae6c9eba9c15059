"""`NVIDIA_REQUIRE_*` expressions, evaluated as libnvidia-container does (src/cli/dsl.c):
space separates OR-terms, comma separates AND-terms; constraints `cuda`, `driver`, `arch`,
`brand` with operators = != < <= > >=; versions compare numerically per dot component,
brands compare case-insensitively; several NVIDIA_REQUIRE_* variables are ANDed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from imagesmith.core.versions import compare_numeric

_CONSTRAINT = re.compile(r"^(?P<name>[a-z]+)(?P<op>>=|<=|!=|=|<|>)(?P<value>.+)$")
KEYS = ("cuda", "driver", "arch", "brand")
# NVIDIA_REQUIRE_* names that configure mounts rather than constrain the host.
NOT_REQUIREMENTS = frozenset({"NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS"})


class RequireSyntaxError(ValueError):
    """An expression libnvidia-container would reject ("invalid expression")."""


@dataclass(frozen=True)
class Host:
    """What the container runtime compares against for one GPU of a node."""

    cuda: str  # the CUDA version the driver supports (nvidia-smi's "CUDA Version")
    driver: str  # kernel driver version, e.g. 470.82.01
    arch: str  # compute capability, e.g. 3.7
    brand: str  # tesla, geforce, ...


@dataclass(frozen=True)
class RequireResult:
    satisfied: bool
    matched: str | None  # the OR-term that held
    expression: str


def _compare_versions(a: str, b: str) -> int:
    cmp = compare_numeric(a, b)
    if cmp is None:
        bad = a if compare_numeric(a, "0") is None else b
        raise RequireSyntaxError(f"not a version: {bad[:80]!r}")
    return cmp


def _holds(op: str, cmp: int) -> bool:
    return {
        "=": cmp == 0,
        "!=": cmp != 0,
        "<": cmp < 0,
        "<=": cmp <= 0,
        ">": cmp > 0,
        ">=": cmp >= 0,
    }[op]


def check_constraint(text: str, host: Host) -> bool:
    m = _CONSTRAINT.match(text)
    if not m:
        raise RequireSyntaxError(f"invalid constraint {text!r}")
    name, op, value = m.group("name"), m.group("op"), m.group("value")
    if name not in KEYS:
        raise RequireSyntaxError(f"unknown constraint {name!r} (known: {', '.join(KEYS)})")
    if name == "brand":
        if op not in ("=", "!="):
            raise RequireSyntaxError(f"brand supports only = and != ({text!r})")
        equal = value.lower() == host.brand.lower()
        return equal if op == "=" else not equal
    return _holds(op, _compare_versions(getattr(host, name), value))


def parse(expression: str) -> list[list[str]]:
    """OR-terms of AND-constraints; raises RequireSyntaxError."""
    terms = [t for t in expression.split(" ") if t]
    out = []
    for term in terms:
        parts = term.split(",")
        if any(not p for p in parts):
            raise RequireSyntaxError(f"empty constraint in {term!r}")
        for p in parts:
            if not _CONSTRAINT.match(p):
                raise RequireSyntaxError(f"invalid constraint {p!r}")
        out.append(parts)
    return out


def evaluate(expression: str, host: Host) -> RequireResult:
    """Whether a container with this requirement starts on `host`. An empty expression holds."""
    terms = parse(expression)
    if not terms:
        return RequireResult(True, None, expression)
    for term in terms:
        if all(check_constraint(c, host) for c in term):
            return RequireResult(True, ",".join(term), expression)
    return RequireResult(False, None, expression)


def requirements_from_env(env: dict[str, str]) -> dict[str, str]:
    """The NVIDIA_REQUIRE_* variables that apply (none when NVIDIA_DISABLE_REQUIRE is true);
    a legacy image with only CUDA_VERSION requires `cuda>=X.Y`."""
    if env.get("NVIDIA_DISABLE_REQUIRE", "").strip().lower() in ("1", "true", "yes"):
        return {}
    reqs = {
        k: v
        for k, v in env.items()
        if k.startswith("NVIDIA_REQUIRE_") and k not in NOT_REQUIREMENTS and v.strip()
    }
    if "NVIDIA_REQUIRE_CUDA" not in env and env.get("CUDA_VERSION"):
        mm = ".".join(env["CUDA_VERSION"].split(".")[:2])
        if re.fullmatch(r"\d+\.\d+", mm):
            reqs["CUDA_VERSION (legacy)"] = f"cuda>={mm}"
    return reqs
