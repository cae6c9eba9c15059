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

    def describe(self) -> str:
        return f"{self.name} {self.version or '(unpinned)'}" + (
            f" [{self.variant}]" if self.variant else ""
        )


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

    @property
    def empty(self) -> bool:
        return self.cuda is None and not self.frameworks and self.nvidia_require is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cuda": self.cuda,
            "cudnn": self.cudnn,
            "base_image": self.base_image,
            "catalog_image": self.catalog_image,
            "nvidia_require": self.nvidia_require,
            "cuda_compat": self.cuda_compat,
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
        }
