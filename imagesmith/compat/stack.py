"""The GPU software stack of an image: what compat reasons about, however it was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Framework:
    """One GPU framework package in the image."""

    name: str  # pip distribution name as written (torch, tensorflow-gpu, mxnet-cu90)
    version: str | None
    line: int | None = None  # Dockerfile line that installs it
    variant: str | None = None  # wheel flavour (cu90, cu118) when known apart from the version
    source: str = ""  # how it was found: "pip install (line 7)", "dist-info", "catalog"
    # From a catalog entry whose package list is assumed: the admins run that image on these
    # nodes, so a failure resting on it means the assumption is wrong (a caveat, never `fails`).
    assumed: bool = False
    spec: str = ""  # the requirement as written (`jax[cuda12]==0.4.30`)
    installed_by_pip: bool = False  # pip (not conda, not the base image) installs it

    def describe(self) -> str:
        return f"{self.name} {self.version or '(unpinned)'}" + (
            f" [{self.variant}]" if self.variant else ""
        )


@dataclass(frozen=True)
class Unresolved:
    """A GPU-relevant fact that could not be resolved, and what to check instead."""

    reason: str
    code: str = "IS403"  # the lint rule that reports it
    line: int | None = None
    subject: str = ""  # the framework it is about, if any


@dataclass(frozen=True)
class BuiltCode:
    """Device code a build step compiles into the image (nvcc flags, TORCH_CUDA_ARCH_LIST)."""

    what: str  # "nvcc (line 7)", "TORCH_CUDA_ARCH_LIST for `python setup.py install` (line 9)"
    sass: frozenset[str]
    ptx: frozenset[str]
    unknown: str | None = None
    line: int | None = None
    from_binary: bool = False  # read from a binary in the image (beats the toolkit table)


@dataclass
class GpuStack:
    cuda: str | None = None
    cudnn: str | None = None
    frameworks: list[Framework] = field(default_factory=list)
    nvidia_require: str | None = None
    base_image: str | None = None
    cuda_source: str = ""  # "ENV CUDA_VERSION", "nvidia/cuda tag", "catalog bit:5000/deepo_9", ...
    cudnn_source: str = ""
    cuda_line: int | None = None
    cudnn_line: int | None = None
    require_line: int | None = None  # Dockerfile line that sets NVIDIA_REQUIRE_CUDA
    env: dict[str, str] = field(default_factory=dict)  # the image's final ENV (base + own)
    cuda_compat: bool = False  # the image carries cuda-compat (forward compatibility) libraries
    has_nvcc: bool | None = None  # a devel image (None: unknown)
    catalog_image: str | None = None
    base_cudnn: str | None = None  # the base image's cuDNN when an archive is assumed to replace it
    stated_cudnn: str | None = None  # what ENV CUDNN_VERSION says, when it differs from cudnn
    assumed: list[str] = field(default_factory=list)  # what was assumed to get here
    evidence: list[str] = field(default_factory=list)  # how each fact was found
    unknowns: list[Unresolved] = field(default_factory=list)  # what could not be resolved
    python: str | None = None  # the image's Python (major.minor), when known
    built_code: list[BuiltCode] = field(default_factory=list)  # device code compiled at build

    @property
    def empty(self) -> bool:
        return (
            self.cuda is None
            and not self.frameworks
            and self.nvidia_require is None
            and not self.unknowns
        )

    def unresolved(self, reason: str, code: str = "IS403", line: int | None = None,
                   subject: str = "") -> None:
        if all(u.reason != reason for u in self.unknowns):
            self.unknowns.append(Unresolved(reason, code, line, subject))

    def to_dict(self) -> dict[str, Any]:
        return {
            "cuda": self.cuda,
            "cudnn": self.cudnn,
            "base_image": self.base_image,
            "catalog_image": self.catalog_image,
            "nvidia_require": self.nvidia_require,
            "cuda_compat": self.cuda_compat,
            "python": self.python,
            "frameworks": [
                {
                    "name": f.name,
                    "version": f.version,
                    "variant": f.variant,
                    "line": f.line,
                    "source": f.source,
                }
                for f in self.frameworks
            ],
            "assumed": self.assumed,
            "evidence": self.evidence,
            "unknown": [
                {"reason": u.reason, "code": u.code, "line": u.line, "subject": u.subject or None}
                for u in self.unknowns
            ],
        }
