"""Stacks of the profile's catalog images and of `nvidia/cuda:*` tags (no engine needed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import Version

from imagesmith.compat import knowledge as K
from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.core import versions as V
from imagesmith.core.profile import CatalogImage

# nvidia/cuda tags (NVIDIA's supported-tags list, gitlab.com/nvidia/container-images/cuda
# doc/supported-tags.md, and the archived 7.5-10.x tags): <X.Y[.Z]>[-cudnn[N]][-<flavour>][-<os>]
# where 12.x/13.x tags write a bare `cudnn`, and the oldest tags (`9.0-base`, `8.0-cudnn5-devel`)
# carry no OS part.
_CUDA_TAG = re.compile(
    r"^(?P<cuda>\d+\.\d+(?:\.\d+)?)(?P<has_cudnn>-cudnn(?P<cudnn>\d+)?)?"
    r"(?:-(?P<flavour>base|runtime|devel))?(?:-(?P<os>[a-z]+\d+(?:\.\d+)?))?$"
)
_CUDA_PREFIX = re.compile(r"^(?P<cuda>\d+\.\d+(?:\.\d+)?)(?:-|$)")
_FLAVOURS = ("base", "runtime", "devel")
NVIDIA_CUDA_REPOS = ("nvidia/cuda", "docker.io/nvidia/cuda", "nvcr.io/nvidia/cuda")


@dataclass(frozen=True)
class CudaTag:
    """An `nvidia/cuda` reference, read from its tag. What the tag does not say is `None` with
    a reason in `unknown`; an unreadable tag is never "no CUDA"."""

    ref: str
    tag: str | None
    digest: str | None = None
    cuda: str | None = None
    has_cudnn: bool | None = None  # None: the tag's shape is not known
    cudnn: str | None = None  # the major, where the tag names it (`cudnn8`); 12.x/13.x do not
    flavour: str | None = None  # base | runtime | devel
    os: str | None = None
    unknown: tuple[str, ...] = ()


def parse_cuda_tag(ref: str) -> CudaTag | None:
    """`nvidia/cuda:9.0-cudnn7-devel-ubuntu16.04` -> cuda 9.0, cudnn 7, devel, ubuntu16.04.
    None only when `ref` is not an nvidia/cuda image."""
    from imagesmith.core.profile import split_image_ref

    name, digest = (ref.split("@", 1) + [""])[:2] if "@" in ref else (ref, "")
    repo, tag = split_image_ref(name)
    if repo.lower() not in NVIDIA_CUDA_REPOS:
        return None
    digest_or_none = digest or None
    if not tag:
        why = "pinned by digest only" if digest else "no tag (Docker reads `latest`)"
        return CudaTag(ref, None, digest_or_none,
                       unknown=(f"{ref}: {why}, so its CUDA version is not in the reference",))
    m = _CUDA_TAG.match(tag)
    if m:
        cudnn_unknown = (
            (f"{ref}: the tag has cuDNN but not its version (12.x/13.x tags carry none)",)
            if m.group("has_cudnn") and not m.group("cudnn") else ()
        )
        return CudaTag(ref, tag, digest_or_none, m.group("cuda"), bool(m.group("has_cudnn")),
                       m.group("cudnn"), m.group("flavour"), m.group("os"), cudnn_unknown)
    # An unknown shape: keep what can be read, say what cannot.
    prefix = _CUDA_PREFIX.match(tag)
    parts = tag.split("-")
    flavour = next((p for p in parts if p in _FLAVOURS), None)
    if prefix is None and all(p in (*_FLAVOURS, "latest", "cudnn") for p in parts):
        why = f"`{tag}` is a moving tag, not tied to one CUDA release, so its CUDA version is unknown"
    else:
        what = "CUDA version, cuDNN and OS" if prefix is None else "cuDNN and OS"
        why = f"tag shape `{tag}` is not one of NVIDIA's, so its {what} are unknown"
    return CudaTag(ref, tag, digest_or_none, prefix.group("cuda") if prefix else None, None,
                   None, flavour, unknown=(f"{ref}: {why}",))


_BRANDS = (
    "tesla",
    "unknown",
    "nvidia",
    "nvidiartx",
    "geforce",
    "geforcertx",
    "quadro",
    "quadrortx",
    "titan",
    "titanrtx",
)


def _branch_clauses(brands: tuple[str, ...], branches: tuple[int, ...]) -> str:
    return " ".join(f"brand={b},driver>={r},driver<{r + 1}" for r in branches for b in brands)


def require_for_cuda(cuda: str) -> str:
    """The NVIDIA_REQUIRE_CUDA that current official `nvidia/cuda` tags of this release carry
    (NV-cuda-mirror history, cuda-compat.md §4b): plain `cuda>=X.Y` before 10.0, Tesla-only
    R384/R410/R418/R450/R470 clauses for 10.x-11.5, every brand on R470 and later from 11.6."""
    mm = V.major_minor(cuda)
    v = Version(mm)
    head = f"cuda>={mm}"
    if v < Version("10.0"):
        return head
    if v < Version("11.0"):
        return f"{head} {_branch_clauses(('tesla',), (384, 410))}"
    if v < Version("11.3"):
        return f"{head} {_branch_clauses(('tesla',), (418,))}"
    if v < Version("11.4"):
        return f"{head} {_branch_clauses(('tesla',), (418,))} driver>=450"
    if v < Version("11.6"):
        return f"{head} {_branch_clauses(('tesla',), (418, 450, 470))}"
    later = tuple(
        b
        for b in (510, 515, 520, 525, 535, 545, 550, 555, 560, 565, 570)
        if min_driver_major(mm) > b
    )
    return f"{head} {_branch_clauses(('tesla',), (450,))} {_branch_clauses(_BRANDS, (470, *later))}".strip()


def min_driver_major(cuda: str) -> int:
    need = K.min_driver_for(cuda)
    return Version(need.value).major if need else 0


def stack_from_cuda_tag(ref: str) -> GpuStack | None:
    tag = parse_cuda_tag(ref)
    if tag is None:
        return None
    if tag.cuda is None:
        stack = GpuStack(base_image=ref)
        stack.has_nvcc = None if tag.flavour is None else tag.flavour == "devel"
        for reason in tag.unknown:
            stack.unresolved(reason)
        return stack
    cuda = tag.cuda
    if V.cuda_major_minor(cuda) is None:
        stack = GpuStack(base_image=ref)
        stack.unresolved(f"the CUDA version {cuda[:40]!r} in the tag of {ref[:80]} is not understood")
        return stack
    stack = GpuStack(cuda=cuda, base_image=ref, cuda_source=f"tag of {ref}")
    if tag.cudnn:
        stack.cudnn = tag.cudnn
        stack.cudnn_source = f"tag of {ref}"
    stack.cuda_compat = Version(V.major_minor(cuda)) >= Version("10.0")
    stack.has_nvcc = None if tag.flavour is None else tag.flavour == "devel"
    stack.evidence.extend(tag.unknown)
    stack.nvidia_require = require_for_cuda(cuda)
    stack.assumed.append(
        f"{ref}: NVIDIA_REQUIRE_CUDA as current official tags of CUDA {V.major_minor(cuda)} set it"
    )
    stack.evidence.append(f"CUDA {cuda} from the nvidia/cuda tag {ref}")
    return stack


def stack_from_catalog(image: CatalogImage) -> GpuStack:
    env = dict(image.env)
    stack = GpuStack(
        cuda=image.cuda or env.get("CUDA_VERSION"),
        cudnn=image.cudnn or env.get("CUDNN_VERSION"),
        base_image=image.name,
        catalog_image=image.name,
        env=env,
        nvidia_require=env.get("NVIDIA_REQUIRE_CUDA"),
        python=image.python_version,
    )
    stack.cuda_source = f"catalog entry {image.name}" if stack.cuda else ""
    stack.cudnn_source = f"catalog entry {image.name}" if stack.cudnn else ""
    base_tag = parse_cuda_tag(image.base) if image.base else None
    if base_tag and base_tag.cuda:
        stack.cuda_compat = Version(V.major_minor(base_tag.cuda)) >= Version("10.0")
        stack.has_nvcc = base_tag.flavour == "devel"
    for name, ver in image.packages.items():
        if K.package_build(name, ver) is not None:
            variant = _catalog_variant(name, stack.cuda)
            stack.frameworks.append(
                Framework(name, ver, None, variant, source=f"catalog {image.name}",
                          assumed="packages" in image.assumed)
            )
    for item in image.assumed:
        stack.assumed.append(f"{image.name}: {item} (catalog says assumed)")
    stack.evidence.append(f"profile catalog entry {image.name}")
    return stack


def _catalog_variant(name: str, cuda: str | None) -> str | None:
    """A catalog torch was installed as the wheel matching the image's CUDA (deepo: cu90)."""
    if V.canonical_name(name) != "torch":
        return None
    return V.cuda_variant(cuda)
