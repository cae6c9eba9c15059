"""The GPU/CUDA/driver/framework facts of `imagesmith/data/cuda_compat.json`, as lookups.

Every answer carries the `source` and `confidence` (V verified, S secondary, D derived,
U uncertain) of the row it came from, so callers can cite it and never hard-fail on U.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from imagesmith.core import versions as V


@dataclass(frozen=True)
class Fact:
    """A value with where it came from."""

    value: Any
    source: str
    confidence: str  # "V" | "S" | "D" | "U"
    note: str = ""

    @property
    def uncertain(self) -> bool:
        return self.confidence == "U"


@dataclass(frozen=True)
class GpuFact:
    name: str
    compute_capability: str
    architecture: str
    brand: str
    data_center: bool
    last_driver_branch: str
    source: str
    confidence: str


@dataclass(frozen=True)
class ArchSpec:
    """The device code a binary carries: SASS for `sass` (as 35, 61...) and PTX for `ptx`.
    `min_cc` alone (no list known) means "runs on compute capability >= min_cc"."""

    sass: tuple[int, ...] = ()
    ptx: tuple[int, ...] = ()
    min_cc: str | None = None

    @classmethod
    def parse(cls, text: str) -> ArchSpec:
        """`3.5;5.0+PTX;6.0` (TORCH_CUDA_ARCH_LIST form)."""
        sass, ptx = [], []
        for item in filter(None, (t.strip() for t in text.split(";"))):
            num = int(item.replace("+PTX", "").replace(".", ""))
            sass.append(num)
            if item.endswith("+PTX"):
                ptx.append(num)
        return cls(tuple(sass), tuple(ptx))

    def describe(self) -> str:
        if not self.sass and self.min_cc:
            return f"compute capability >= {self.min_cc}"
        parts = [f"sm_{s}" for s in self.sass] + [f"compute_{p} (PTX)" for p in self.ptx]
        return ", ".join(parts)

    def runs_on(self, cc: str, ptx_jit: bool = True) -> bool | None:
        """True/False when the code runs on a GPU of compute capability `cc`; None if unknown."""
        major, minor = (int(x) for x in cc.split(".")[:2])
        target = major * 10 + minor
        if self.sass:
            if any(s // 10 == major and s % 10 <= minor for s in self.sass):
                return True
            return bool(ptx_jit and any(p <= target for p in self.ptx))
        if self.min_cc:
            return V.parse(cc) >= V.parse(self.min_cc)
        return None


@dataclass(frozen=True)
class FrameworkBuild:
    """What one installed framework package was built for."""

    framework: str  # "torch", "tensorflow", "mxnet", ...
    package: str
    version: str | None
    cuda: str | None  # CUDA X.Y it was built against (None: CPU build or unknown)
    cudnn: str | None = None
    arch: ArchSpec | None = None
    bundles_cuda: bool = False  # carries its own CUDA runtime (torch wheels): image CUDA irrelevant
    needs_nvcc: bool = False  # compiles device code at install/run time
    variant: str | None = None  # cu90, cu118 ...
    default_wheel: bool = False  # a plain `torch==X` from PyPI: the default flavour
    source: str = ""
    confidence: str = "V"
    notes: tuple[str, ...] = ()
    alternatives: tuple[FrameworkBuild, ...] = field(default=(), compare=False)

    def label(self) -> str:
        ver = self.version or "(unpinned)"
        if self.variant and self.framework == "torch":
            return f"{self.package} {ver}+{self.variant}"
        return f"{self.package} {ver}"


# compat/verdict.py reads these as `K.`; the one implementation is imagesmith.core.versions.
try_version = V.try_parse
major_minor = V.major_minor
normalise = V.canonical_name


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    path = resources.files("imagesmith.data") / "cuda_compat.json"
    return json.loads(path.read_text(encoding="utf-8"))


# -- GPUs ------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(
        r"[^a-z0-9]",
        "",
        text.lower().replace("nvidia", "").replace("geforce", "").replace("tesla", ""),
    )


def gpu_by_name(name: str) -> GpuFact | None:
    """The GPU row for a marketing name as nvidia-smi prints it (`Tesla K80`, `NVIDIA GeForce GTX 1080 Ti`)."""
    key = _squash(name)
    for row in data()["gpus"]:
        names = [row["name"], *row.get("aliases", [])]
        if any(_squash(n) == key for n in names):
            return GpuFact(
                row["name"],
                row["compute_capability"],
                row["architecture"],
                row["brand"],
                row["data_center"],
                row["last_driver_branch"],
                row["source"],
                row["confidence"],
            )
    return None


def architecture_name(cc: str) -> str:
    majors = data()["arch_families"]["majors"]
    mm = V.major_minor(cc)
    return majors.get(mm) or majors.get(mm.split(".")[0], "unknown")


# -- CUDA toolkit and driver -------------------------------------------------------


def _release_rows() -> list[dict[str, Any]]:
    return data()["cuda_driver_min"]


def min_driver_for(cuda: str) -> Fact | None:
    """Minimum Linux driver for a CUDA runtime version (`9.0`, `9.0.176`, `11.4.3`).

    A bare X.Y means its GA release; X.Y.Z picks the newest update not above it."""
    v = V.try_parse(cuda)
    if v is None:
        return None
    mm = V.major_minor(cuda)
    rows = [r for r in _release_rows() if V.major_minor(r["cuda"]) == mm]
    if not rows:
        return None
    chosen = rows[0]
    if len(v.release) >= 3:
        for r in rows:
            if V.parse(r["cuda"]) <= v:
                chosen = r
    return Fact(
        chosen["min_driver"], chosen["source"], chosen["confidence"], chosen.get("note", "")
    )


def known_cuda(cuda: str) -> bool:
    mm = V.cuda_major_minor(cuda)
    return mm is not None and any(V.major_minor(r["cuda"]) == mm for r in _release_rows())


def driver_cuda_version(driver: str) -> str | None:
    """The newest CUDA X.Y a driver runs natively (what nvidia-smi prints as "CUDA Version")."""
    dv = V.try_parse(driver)
    if dv is None:
        return None
    best: str | None = None
    for r in _release_rows():
        if V.parse(r["min_driver"]) <= dv:
            mm = V.major_minor(r["cuda"])
            if best is None or V.parse(mm) > V.parse(best):
                best = mm
    return best


def minor_version_floor(cuda_major: int) -> Fact | None:
    """Minimum driver for CUDA minor-version compatibility within a major family (11+)."""
    for row in data()["minor_version_compat"]:
        if row["major"] == cuda_major:
            return Fact(row["min_driver"], row["source"], row["confidence"])
    return None


def forward_compat_brands() -> Fact:
    row = data()["forward_compat"]
    return Fact(tuple(row["brands"]), row["source"], row["confidence"], row["text"])


def kepler_compat_report() -> Fact:
    row = data()["kepler_cuda_compat_report"]
    return Fact(row["from_cuda"], row["source"], row["confidence"], row["text"])


def toolkit_archs(cuda: str) -> Fact | None:
    """The real SASS targets (as ints, 37, 61...) a CUDA toolkit can build."""
    mm = V.cuda_major_minor(cuda)
    if mm is None:
        return None
    v = V.parse(mm)
    for row in data()["toolkit_archs"]:
        if V.parse(row["cuda_from"]) <= v <= V.parse(row["cuda_to"]):
            return Fact(tuple(row["sm"]), row["source"], row["confidence"])
    return None


def toolkit_targets(cuda: str, cc: str) -> Fact | None:
    """Whether code built by toolkit `cuda` can run on compute capability `cc` (SASS rule)."""
    fact = toolkit_archs(cuda)
    if fact is None:
        return None
    return Fact(ArchSpec(fact.value).runs_on(cc, ptx_jit=False), fact.source, fact.confidence)


# -- frameworks ---------------------------------------------------------------------


def _in(spec: str, ver: str | None) -> bool:
    v = V.try_parse(ver)
    return v is not None and SpecifierSet(spec).contains(v, prereleases=True)


def torch_release(ver: str) -> dict[str, Any] | None:
    base = V.try_parse(ver)
    if base is None:
        return None
    plain = base.base_version
    for row in data()["torch_releases"]:
        if _in(row["versions"], plain):
            return row
    return None


def torch_variants(ver: str) -> list[str]:
    row = torch_release(ver)
    return list(row["variants"]) if row else []


def _torch_arch(ver: str, variant: str) -> tuple[ArchSpec, str, str] | None:
    parsed = V.try_parse(ver)
    if parsed is None:
        return None  # not a version: no row applies (the caller reports the release unknown)
    plain = parsed.base_version
    for row in data()["torch_archs"]:
        if variant in row["variants"] and _in(row["versions"], plain):
            return ArchSpec.parse(row["arch"]), row["source"], row["confidence"]
    return None


def _torch_build(ver: str, variant: str, default: bool, conf: str, source: str) -> FrameworkBuild:
    arch = _torch_arch(ver, variant)
    notes = []
    if arch is None:
        notes.append(f"the architectures of torch {ver}+{variant} are not in the data")
    confidence = min_conf(conf, arch[2]) if arch else min_conf(conf, "U")
    return FrameworkBuild(
        "torch",
        "torch",
        ver,
        V.local_cuda(variant),
        None,
        arch[0] if arch else None,
        bundles_cuda=True,
        variant=variant,
        default_wheel=default,
        source="; ".join(filter(None, [source, arch[1] if arch else ""])),
        confidence=confidence,
        notes=tuple(notes),
    )


def torch_build(ver: str | None, variant: str | None = None) -> FrameworkBuild | None:
    """A torch wheel: `variant` from `+cuXYZ` or an index URL; None means the PyPI default."""
    if ver is None:
        return None
    local = V.try_parse(ver)
    if local is not None and local.local and variant is None:
        variant = str(local.local)
    plain = local.base_version if local else ver
    if variant in ("cpu",) or (variant and variant.startswith("rocm")):
        return FrameworkBuild(
            "torch",
            "torch",
            plain,
            None,
            variant=variant,
            source="PEP 440 local label",
            confidence="V",
            notes=(f"a {variant} build: no CUDA",),
        )
    row = torch_release(plain)
    if variant:
        src = row["source"] if row else ""
        return _torch_build(plain, variant, False, row["confidence"] if row else "U", src)
    if row is None:
        return FrameworkBuild(
            "torch",
            "torch",
            plain,
            None,
            source="",
            confidence="U",
            notes=(f"torch {plain} is not in the data",),
        )
    default = row.get("pypi_default")
    if default is None:
        alts = tuple(_torch_build(plain, v, False, "U", row["source"]) for v in row["variants"])
        return FrameworkBuild(
            "torch",
            "torch",
            plain,
            None,
            variant=None,
            default_wheel=True,
            source=row["source"],
            confidence="U",
            notes=("which CUDA flavour PyPI serves is not known",),
            alternatives=alts,
        )
    build = _torch_build(
        plain, default, True, row.get("pypi_default_confidence") or "U", row["source"]
    )
    return build


def tensorflow_build(package: str, ver: str | None) -> FrameworkBuild | None:
    """tensorflow / tensorflow-gpu: the tested CUDA/cuDNN pair of its minor release."""
    if ver is None:
        return None
    v = V.try_parse(ver)
    if v is None:
        return None
    pkg = V.canonical_name(package)
    if pkg == "tensorflow" and v < Version("2.1"):
        return FrameworkBuild(
            "tensorflow",
            package,
            ver,
            None,
            source="tensorflow/docs pip.md",
            confidence="S",
            notes=("plain tensorflow before 2.1 is the CPU build",),
        )
    rows = data()["tensorflow_builds"]
    mm = V.major_minor(ver)
    row = next((r for r in rows if V.major_minor(r["version"]) == mm), None)
    if row is None:
        return FrameworkBuild(
            "tensorflow",
            package,
            ver,
            None,
            source="",
            confidence="U",
            notes=(f"{package} {ver} is not in the tested-configurations table",),
        )
    arch = next((a for a in data()["tensorflow_archs"] if _in(a["versions"], v.base_version)), None)
    spec = None
    conf = row["confidence"]
    if arch is not None:
        spec = ArchSpec(
            tuple(arch.get("sass") or ()), tuple(arch.get("ptx") or ()), arch.get("min_cc")
        )
        conf = min_conf(conf, arch["confidence"]) if arch["confidence"] == "U" else conf
    bundles = v >= Version(data()["tensorflow_packages"]["bundles_cuda_from"])
    return FrameworkBuild(
        "tensorflow",
        package,
        ver,
        row["cuda"],
        row["cudnn"],
        spec,
        bundles_cuda=bundles,
        source=row["source"] + (f"; {arch['source']}" if arch else ""),
        confidence=conf,
    )


def package_build(name: str, ver: str | None) -> FrameworkBuild | None:
    """Any GPU framework package by pip name; None for packages that carry no GPU code."""
    key = V.canonical_name(name)
    if key == "torch":
        return (
            torch_build(ver)
            if ver
            else FrameworkBuild(
                "torch",
                "torch",
                None,
                None,
                confidence="U",
                notes=("unpinned: the newest wheel at build time",),
            )
        )
    if key in ("tensorflow", "tensorflow-gpu"):
        if ver is None:
            return FrameworkBuild(
                "tensorflow",
                name,
                None,
                None,
                confidence="U",
                notes=("unpinned: the newest release at build time",),
            )
        return tensorflow_build(name, ver)
    for row in data()["packages"]:
        m = re.match(row["pattern"], key)
        if not m:
            continue
        if row.get("versions") and ver and not _in(row["versions"], ver):
            return FrameworkBuild(
                row["framework"],
                name,
                ver,
                None,
                source=row["source"],
                confidence="U",
                notes=(f"{name} {ver} is not in the data",),
            )
        cuda = row.get("cuda")
        if row.get("cuda_from_name"):
            digits = m.group(1)
            family = len(m.groups()) >= 2 and m.group(2) == "x"
            cuda = f"{digits}.x" if family else V.cuda_from_digits(digits)
        if row.get("post_cuda"):
            cuda = _paddle_cuda(ver) or row.get("default_cuda")
        arch = ArchSpec.parse(row["arch"]) if row.get("arch") else None
        cudnn = row.get("cudnn")
        mm = V.cuda_major_minor(cuda)  # None for a family such as 11.x
        if row["framework"] == "mxnet" and mm and Version(mm).major != 9:
            # the cuDNN 7 / KNOWN_CUDA_ARCHS facts are those of the CUDA 9 builds (the sources
            # name mxnet-cu90/cu92); what the cu80 and cu10x wheels were built with is not known
            arch = cudnn = None
        return FrameworkBuild(
            row["framework"].replace("-source", ""),
            name,
            ver,
            cuda,
            cudnn,
            arch,
            bundles_cuda=not row.get("needs_image_cuda", False) and cuda is not None,
            needs_nvcc=bool(row.get("needs_nvcc")),
            source=row["source"],
            confidence=row["confidence"],
            notes=tuple(filter(None, [row.get("note", "")])),
        )
    return None


def _paddle_cuda(ver: str | None) -> str | None:
    """`2.3.2.post111` -> 11.1; 1.x `post97` / `post107` -> CUDA 9 / 10 (last digit: cuDNN)."""
    m = re.search(r"\.post(\d+)$", ver or "")
    if not m:
        return None
    digits = m.group(1)
    parsed = V.try_parse(ver)
    if parsed is not None and parsed < Version("2"):
        return f"{digits[:-1]}.0"
    return V.cuda_from_digits(digits)


_ORDER = "VDSU"


def min_conf(*marks: str) -> str:
    """The weakest of several confidence marks."""
    return max(marks, key=_ORDER.index)


__all__ = [
    "ArchSpec",
    "Fact",
    "FrameworkBuild",
    "GpuFact",
    "data",
    "driver_cuda_version",
    "forward_compat_brands",
    "gpu_by_name",
    "kepler_compat_report",
    "min_conf",
    "min_driver_for",
    "minor_version_floor",
    "package_build",
    "tensorflow_build",
    "toolkit_archs",
    "toolkit_targets",
    "torch_build",
    "torch_variants",
]
