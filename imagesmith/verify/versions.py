"""Check 1: every version claim in the image's ENV against what is really installed.

Facts come from files, never from importing frameworks: CUDA version.txt/json, cuDNN and
NCCL library names (in the loader's order: LD_LIBRARY_PATH first) and headers, dpkg status,
and pip metadata (dist-info / egg-info).
"""

from __future__ import annotations

import re
from typing import Any

from imagesmith.verify.model import Check

# ENV name -> where the truth is: ("fact", key) or ("dist", pip names...).
KNOWN_CLAIMS: dict[str, tuple[str, ...]] = {
    "CUDA_VERSION": ("fact", "cuda"),
    "CUDNN_VERSION": ("fact", "cudnn"),
    "NCCL_VERSION": ("fact", "nccl"),
    "PYTHON_VERSION": ("python",),
    "TENSORFLOW_VERSION": ("dist", "tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tf-nightly"),
    "PYTORCH_VERSION": ("dist", "torch"),
    "TORCH_VERSION": ("dist", "torch"),
    "CUDA_PKG_VERSION": ("cuda_pkg",),
}
# Claims that describe something other than an installed version.
NOT_CLAIMS = re.compile(r"^(NVIDIA_|NV_|.*_PKG_VERSION$)")
_CLAIM = re.compile(r"^([A-Z0-9_]+)_VERSION$")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def upstream(version: str) -> str:
    """dpkg `1:7.1.2.21-1+cuda9.0` -> `7.1.2.21`; pip `1.8.0+cu90` -> `1.8.0`."""
    version = version.split(":", 1)[-1]
    return re.split(r"[-+~]", version, maxsplit=1)[0]


def same_version(claim: str, actual: str) -> bool:
    """Equal on the components both give: `9.0` matches `9.0.176`; `7.1.2` matches `7.1.2.21`."""
    a, b = upstream(claim).split("."), upstream(actual).split(".")
    n = min(len(a), len(b))
    return n > 0 and a[:n] == b[:n]


def _candidates(name: str, value: str, facts: dict[str, Any]) -> tuple[list[dict[str, str]], str]:
    """Installed versions for a claim, the effective one first, and what was looked at."""
    dists = {normalise(d["name"]): d for d in facts.get("distributions", [])}
    dpkg: dict[str, str] = facts.get("dpkg", {})
    rule = KNOWN_CLAIMS.get(name)
    if rule is None:
        stem = _CLAIM.match(name)
        key = normalise(stem.group(1)) if stem else ""
        rule = ("dist", key) if key in dists else ("dpkg", key) if key in dpkg else ("none",)
    kind = rule[0]
    if kind == "fact":
        return list(facts.get(rule[1], [])), f"{rule[1]} files and libraries"
    if kind == "python":
        py = facts.get("python", {})
        return [{"version": py.get("version", ""), "source": py.get("executable", "python")}], "python"
    if kind == "dist":
        found = [dists[normalise(n)] for n in rule[1:] if normalise(n) in dists]
        return ([{"version": d["version"], "source": f"pip {d['name']} in {d['location']}"} for d in found],
                "pip metadata for " + ", ".join(rule[1:]))
    if kind == "dpkg":
        return [{"version": dpkg[rule[1]], "source": f"dpkg {rule[1]}"}], f"dpkg {rule[1]}"
    if kind == "cuda_pkg":  # "9-0=9.0.176-1": package suffix = dpkg version
        suffix, _, version = value.partition("=")
        pkg = f"cuda-cudart-{suffix}"
        found = [{"version": dpkg[pkg], "source": f"dpkg {pkg}"}] if pkg in dpkg else []
        return found, f"dpkg {pkg}"
    return [], ""


def claims_of(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items()
            if (k in KNOWN_CLAIMS or _CLAIM.match(k)) and not (NOT_CLAIMS.match(k) and k not in KNOWN_CLAIMS)}


def check_versions(env: dict[str, str], facts: dict[str, Any]) -> Check:
    failures, passed, unverified = [], [], []
    rows = []
    for name, value in sorted(claims_of(env).items()):
        found, looked = _candidates(name, value, facts)
        expected = value.partition("=")[2] if name == "CUDA_PKG_VERSION" else value
        if not looked:
            unverified.append(f"{name}={value}: nothing known to check it against")
            rows.append({"env": name, "claim": value, "status": "unverified"})
            continue
        if not found:
            failures.append(f"{name}={value}: not installed (looked at {looked})")
            rows.append({"env": name, "claim": value, "status": "missing"})
            continue
        first = found[0]
        ok = same_version(expected, first["version"])
        others = [f"{c['version']} ({c['source']})" for c in found[1:]
                  if not same_version(c["version"], first["version"])]
        note = f"; also present: {', '.join(others)}" if others else ""
        line = f"{name}={value}: found {first['version']} ({first['source']}){note}"
        (passed if ok else failures).append(line)
        rows.append({"env": name, "claim": value, "actual": first["version"],
                     "source": first["source"], "status": "ok" if ok else "mismatch"})
    total = len(rows)
    if failures:
        summary = f"{len(failures)} of {total} version claims in ENV are wrong"
    else:
        summary = f"{len(passed)} version claims in ENV match the installed software" + (
            f" ({len(unverified)} unverifiable)" if unverified else "")
    return Check("versions", not failures, "error", summary, failures + unverified + passed,
                 {"claims": rows})
