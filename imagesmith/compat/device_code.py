"""Does compiled CUDA device code run on a GPU? The rules, from NVIDIA's own documents.

- SASS (`sm_XY` cubins) runs on GPUs of the same major with an equal or higher minor:
  sm_60 code runs on a 6.1 GPU, sm_61 code does not run on 6.0, sm_70 never runs on 6.x
  (CUDA C++ Programming Guide, "Binary Compatibility"). Architecture-specific `sm_90a`
  cubins run only on exactly 9.0.
- PTX (`compute_XY`) is JIT-compiled by the driver for any GPU with compute capability >= X.Y
  (Programming Guide, "Application Compatibility"), but not when the CUDA runtime is newer
  than the driver and runs only through minor-version compatibility (CUDA Compatibility guide,
  "Minor Version Compatibility": "no PTX JIT").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SOURCE = (
    "NVIDIA CUDA C++ Programming Guide, Binary and Application Compatibility; CUDA "
    "Compatibility guide, Minor Version Compatibility (no PTX JIT)"
)
_CODE = re.compile(r"^(?:sm|compute)_(\d)(\d+)([af]?)$")


@dataclass(frozen=True)
class CodeVerdict:
    runs: bool
    reason: str
    via: str | None = None  # the entry that runs ("sm_60", "compute_52"), when one does


def _cc(code: str) -> tuple[int, int, str] | None:
    m = _CODE.match(code)
    return (int(m.group(1)), int(m.group(2)), m.group(3)) if m else None


def _gpu(cc: str) -> tuple[int, int]:
    major, _, minor = cc.partition(".")
    return int(major), int(minor or 0)


def sass_runs(code: str, cc: str) -> bool:
    parsed = _cc(code)
    if parsed is None:
        return False
    major, minor, suffix = parsed
    gmajor, gminor = _gpu(cc)
    if suffix:  # sm_90a / sm_100f: that exact architecture (family-specific: same major)
        return (major, minor) == (gmajor, gminor) or (suffix == "f" and major == gmajor and gminor >= minor)
    return major == gmajor and minor <= gminor


def ptx_jits(code: str, cc: str) -> bool:
    parsed = _cc(code)
    if parsed is None or parsed[2]:
        return False
    return (parsed[0], parsed[1]) <= _gpu(cc)


def code_for_gpu(
    sass: Iterable[str], ptx: Iterable[str], cc: str, *, ptx_jit: bool = True
) -> CodeVerdict:
    """Whether any entry runs on a GPU of compute capability `cc` (SASS first, then PTX)."""
    sass, ptx = sorted(sass), sorted(ptx)
    gpu = f"sm_{cc.replace('.', '')}"
    for code in sass:
        if sass_runs(code, cc):
            return CodeVerdict(True, f"SASS {code} runs on {gpu}", code)
    jittable = [c for c in ptx if ptx_jits(c, cc)]
    if jittable and ptx_jit:
        return CodeVerdict(True, f"PTX {jittable[0]} is JIT-compiled for {gpu}", jittable[0])
    listed = ", ".join(sass + ptx) or "no device code"
    if jittable:
        return CodeVerdict(
            False,
            f"only PTX ({', '.join(jittable)}) could serve {gpu}, and there is no PTX JIT under "
            f"minor-version compatibility (carries {listed})",
        )
    return CodeVerdict(False, f"no code for {gpu}: carries {listed}")
