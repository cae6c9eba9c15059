"""Check 1: every version claim in the image's ENV against what is really installed.

Facts come from the one in-image probe that compat uses too (compat/probe), from files, never
from importing frameworks: CUDA version.txt/json, cuDNN and NCCL library names (in the loader's
order: LD_LIBRARY_PATH first) and headers, dpkg status, and pip metadata (dist-info / egg-info).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from imagesmith.core.versions import canonical_name, same_release
from imagesmith.verify.model import Check

if TYPE_CHECKING:
    from imagesmith.compat.probe import ImageFacts

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


def _candidates(name: str, value: str, facts: ImageFacts) -> tuple[list[dict[str, str]], str]:
    """Installed versions for a claim, the effective one first, and what was looked at."""
    dists = {canonical_name(d.name): d for d in facts.distributions}
    dpkg = facts.dpkg
    rule = KNOWN_CLAIMS.get(name)
    if rule is None:
        stem = _CLAIM.match(name)
        key = canonical_name(stem.group(1)) if stem else ""
        rule = ("dist", key) if key in dists else ("dpkg", key) if key in dpkg else ("none",)
    kind = rule[0]
    if kind == "fact":
        resolved = {"cuda": facts.cuda, "cudnn": facts.cudnn, "nccl": facts.nccl}[rule[1]]
        found = [{"version": c.version, "source": c.source} for c in resolved.candidates]
        if resolved.version and (not found or found[0]["version"] != resolved.version):
            found.insert(0, {"version": resolved.version, "source": resolved.source})
        return found, f"{rule[1]} files and libraries"
    if kind == "python":
        if facts.python is None:
            return [], "python"
        return [{"version": facts.python.version, "source": facts.python.executable}], "python"
    if kind == "dist":
        found = [dists[canonical_name(n)] for n in rule[1:] if canonical_name(n) in dists]
        return ([{"version": d.version, "source": f"pip {d.name} in {d.location}"} for d in found],
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


def check_versions(env: dict[str, str], facts: ImageFacts) -> Check:
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
        ok = same_release(expected, first["version"])
        if ok is None:
            unverified.append(f"{name}={value}: cannot compare with {first['version']} "
                              f"({first['source']}): not both versions")
            rows.append({"env": name, "claim": value, "actual": first["version"],
                         "source": first["source"], "status": "unknown"})
            continue
        others = [f"{c['version']} ({c['source']})" for c in found[1:]
                  if not same_release(c["version"], first["version"])]
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
