"""Which GPU code a CUDA build embeds: SASS (`sm_XY`, runs on that GPU family) and PTX
(`compute_XY`, JIT-compiled by the driver for newer GPUs).

- `nvcc_targets(argv)` follows the nvcc manual ("GPU Compilation", options `--gpu-architecture`,
  `--gpu-code`, `--generate-code`): `-gencode arch=compute_XY,code=[sm_XY,compute_XY]` embeds
  what `code=` lists; `-arch=A -code=C,...` is `-gencode arch=A,code=C,...`; `-arch=sm_XY`
  with no `-code` is the shorthand for `-arch=compute_XY -code=sm_XY,compute_XY`, and
  `-arch=compute_XY` alone embeds that PTX only (`--gpu-code` defaults to the `-arch` value).
  `-arch=native|all|all-major`, and no architecture option at all, depend on the build machine's
  GPUs or on the nvcc release: unknown.
- `torch_arch_list_targets(value)` reads TORCH_CUDA_ARCH_LIST as
  torch.utils.cpp_extension._get_cuda_arch_flags does: spaces become `;`, names are replaced
  in order (`Kepler+Tesla` before `Kepler`), every entry must be a supported arch, `X.Y` gives
  `sm_XY` and `X.Y+PTX` adds `compute_XY`. Unset, empty or `native`: torch builds for the
  GPUs visible at build time (none in `docker build`): unknown.
- `cmake_architectures_targets(value)` reads CMAKE_CUDA_ARCHITECTURES (`70;75-real;80-virtual`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CudaTargets:
    sass: frozenset[str]  # sm_61, sm_90a
    ptx: frozenset[str]  # compute_61
    unknown: str | None  # why the targets cannot be told (the sets then hold what is known)
    source: str  # "nvcc flags", "TORCH_CUDA_ARCH_LIST", "CMAKE_CUDA_ARCHITECTURES"

    @property
    def known(self) -> bool:
        return self.unknown is None


_ARCH = re.compile(r"^(sm|compute|lto)_(\d{2,3}[af]?)$")  # sm_90a, sm_100f

# torch.utils.cpp_extension: named arches (order matters: combined names first) and the arches
# it accepts (the union over torch releases, newest list).
TORCH_NAMED_ARCHES: tuple[tuple[str, str], ...] = (
    ("Kepler+Tesla", "3.7"),
    ("Kepler", "3.5+PTX"),
    ("Maxwell+Tegra", "5.3"),
    ("Maxwell", "5.0;5.2+PTX"),
    ("Pascal", "6.0;6.1+PTX"),
    ("Volta+Tegra", "7.2"),
    ("Volta", "7.0+PTX"),
    ("Turing", "7.5+PTX"),
    ("Ampere+Tegra", "8.7"),
    ("Ampere", "8.0;8.6+PTX"),
    ("Ada", "8.9+PTX"),
    ("Hopper", "9.0+PTX"),
    ("Blackwell+Tegra", "11.0"),
    ("Blackwell", "10.0;10.3;12.0;12.1+PTX"),
)
TORCH_SUPPORTED_ARCHES = frozenset({
    "3.5", "3.7", "5.0", "5.2", "5.3", "6.0", "6.1", "6.2", "7.0", "7.2", "7.5", "8.0", "8.6",
    "8.7", "8.9", "9.0", "9.0a", "10.0", "10.0a", "10.3", "10.3a", "11.0", "11.0a", "12.0",
    "12.0a", "12.1", "12.1a",
})

_NVCC_OPTS = {
    "-gencode": "gencode", "--generate-code": "gencode",
    "-arch": "arch", "--gpu-architecture": "arch",
    "-code": "code", "--gpu-code": "code",
}


def _values(text: str) -> list[str]:
    """`sm_70,compute_70`, `[sm_70,compute_70]`, `"sm_70,compute_70"` -> the names."""
    return [v for v in re.split(r"[,\s]+", text.strip().strip("\"'[]")) if v]


def _add(code: str, sass: set[str], ptx: set[str]) -> str | None:
    m = _ARCH.match(code)
    if not m:
        return f"`{code}` is not a GPU architecture name"
    if m.group(1) == "sm":
        sass.add(code)
    elif m.group(1) == "compute":
        ptx.add(code)
    return None  # lto_XY is link-time IR, neither SASS nor PTX until nvlink


def _gencode(value: str, sass: set[str], ptx: set[str]) -> str | None:
    m = re.fullmatch(r"\s*arch\s*=\s*([^,]+?)\s*(?:,\s*code\s*=\s*(.+))?", value.strip().strip("\"'"))
    if m is None:
        return f"`-gencode {value}` is not arch=...,code=..."
    for code in _values(m.group(2) or m.group(1)):
        reason = _add(code, sass, ptx)
        if reason:
            return reason
    return None


def nvcc_targets(argv: Sequence[str]) -> CudaTargets:
    """The SASS and PTX an nvcc command line embeds (argv[0] may be `nvcc` or a flag)."""
    sass: set[str] = set()
    ptx: set[str] = set()
    gencodes: list[str] = []
    archs: list[str] = []
    codes: list[str] = []
    words = list(argv[1:] if argv and argv[0].rsplit("/", 1)[-1] == "nvcc" else argv)
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        name, eq, attached = word.partition("=")
        kind = _NVCC_OPTS.get(name)
        if kind is None:
            continue
        if eq:
            value = attached
        elif i < len(words):
            value, i = words[i], i + 1
        else:
            return CudaTargets(frozenset(sass), frozenset(ptx), f"`{word}` has no value", "nvcc flags")
        {"gencode": gencodes, "arch": archs, "code": codes}[kind].append(value)
    everything = " ".join(gencodes + archs + codes)
    if "$" in everything:
        return CudaTargets(frozenset(), frozenset(), "architecture flags use a value known only when "
                           "the build runs", "nvcc flags")
    for value in gencodes:
        reason = _gencode(value, sass, ptx)
        if reason:
            return CudaTargets(frozenset(sass), frozenset(ptx), reason, "nvcc flags")
    for arch in [a for value in archs for a in _values(value)]:
        if arch in ("native", "all", "all-major"):
            why = ("the GPUs of the build machine (none in `docker build`)" if arch == "native"
                   else "every architecture the installed nvcc supports, which depends on its release")
            return CudaTargets(frozenset(sass), frozenset(ptx), f"`-arch={arch}` means {why}", "nvcc flags")
        m = _ARCH.match(arch)
        if not m or m.group(1) == "lto":
            return CudaTargets(frozenset(sass), frozenset(ptx), f"`{arch}` is not a GPU architecture name",
                               "nvcc flags")
        explicit = [c for value in codes for c in _values(value)]
        shorthand = [f"sm_{m.group(2)}", f"compute_{m.group(2)}"] if m.group(1) == "sm" else [arch]
        for code in explicit or shorthand:
            reason = _add(code, sass, ptx)
            if reason:
                return CudaTargets(frozenset(sass), frozenset(ptx), reason, "nvcc flags")
    if not gencodes and not archs:
        return CudaTargets(frozenset(), frozenset(), "no -arch/-gencode: nvcc's default architecture "
                           "depends on its release", "nvcc flags")
    return CudaTargets(frozenset(sass), frozenset(ptx), None, "nvcc flags")


def torch_arch_list_targets(value: str | None) -> CudaTargets:
    """What torch.utils.cpp_extension builds for a TORCH_CUDA_ARCH_LIST value."""
    source = "TORCH_CUDA_ARCH_LIST"
    if value is None or not value.strip() or value.strip() == "native":
        return CudaTargets(frozenset(), frozenset(), "TORCH_CUDA_ARCH_LIST unset: torch builds for the "
                           "GPUs visible at build time (none in `docker build`)", source)
    if "$" in value:
        return CudaTargets(frozenset(), frozenset(), f"`{value}` has a value known only when the build runs",
                           source)
    text = value.replace(" ", ";")
    for named, arches in TORCH_NAMED_ARCHES:
        text = text.replace(named, arches)
    sass: set[str] = set()
    ptx: set[str] = set()
    for entry in text.split(";"):
        arch = entry.removesuffix("+PTX")
        if arch not in TORCH_SUPPORTED_ARCHES:
            return CudaTargets(frozenset(sass), frozenset(ptx), f"torch rejects `{entry}` (\"Unknown CUDA "
                               "arch or GPU not supported\")", source)
        number = arch.replace(".", "")
        sass.add(f"sm_{number}")
        if entry.endswith("+PTX"):
            ptx.add(f"compute_{number}")
    return CudaTargets(frozenset(sass), frozenset(ptx), None, source)


def cmake_architectures_targets(value: str | None) -> CudaTargets:
    """CMAKE_CUDA_ARCHITECTURES: `70` is SASS and PTX, `70-real` SASS only, `70-virtual` PTX only;
    `native`, `all`, `all-major` depend on the build machine or the toolkit."""
    source = "CMAKE_CUDA_ARCHITECTURES"
    if value is None or not value.strip():
        return CudaTargets(frozenset(), frozenset(), "CMAKE_CUDA_ARCHITECTURES unset: CMake uses the "
                           "compiler's default", source)
    if "$" in value:
        return CudaTargets(frozenset(), frozenset(), f"`{value}` has a value known only when the build runs",
                           source)
    sass: set[str] = set()
    ptx: set[str] = set()
    for entry in [e.strip() for e in value.split(";") if e.strip()]:
        m = re.fullmatch(r"(\d{2,3}[af]?)(?:-(real|virtual))?", entry)
        if not m:
            return CudaTargets(frozenset(sass), frozenset(ptx), f"`{entry}` depends on the build machine "
                               "or the CUDA toolkit" if entry in ("native", "all", "all-major")
                               else f"`{entry}` is not a CUDA architecture", source)
        number, kind = m.groups()
        if kind != "virtual":
            sass.add(f"sm_{number}")
        if kind != "real":
            ptx.add(f"compute_{number}")
    return CudaTargets(frozenset(sass), frozenset(ptx), None, source)
