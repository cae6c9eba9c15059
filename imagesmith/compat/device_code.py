"""Does compiled CUDA device code run on a GPU? The rules, from NVIDIA's own documents.

The per-entry rules are `compat.fatbin.sass_runs` / `ptx_jits` (one implementation); this module
decides for a set of entries, e.g. what nvcc flags compile.

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

from collections.abc import Iterable
from dataclasses import dataclass

from imagesmith.compat.fatbin import ptx_jits, sass_runs

SOURCE = (
    "NVIDIA CUDA C++ Programming Guide, Binary and Application Compatibility; CUDA "
    "Compatibility guide, Minor Version Compatibility (no PTX JIT)"
)


@dataclass(frozen=True)
class CodeVerdict:
    runs: bool
    reason: str
    via: str | None = None  # the entry that runs ("sm_60", "compute_52"), when one does


def _order(code: str) -> tuple[int, str]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 0, code)


def code_for_gpu(
    sass: Iterable[str], ptx: Iterable[str], cc: str, *, ptx_jit: bool = True
) -> CodeVerdict:
    """Whether any entry runs on a GPU of compute capability `cc` (SASS first, then PTX)."""
    sass, ptx = sorted(sass, key=_order), sorted(ptx, key=_order)
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
