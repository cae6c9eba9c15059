"""Read the GPU stack of a built image: config ENV and labels, then the facts of the one
in-image probe (compat/probe: no network, no frameworks imported), which verify reads too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagesmith.compat import knowledge as K
from imagesmith.compat.catalog import parse_cuda_tag
from imagesmith.compat.probe import ImageFacts, probe_image

from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.core import versions as V

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine


def stack_from_facts(facts: ImageFacts, stack: GpuStack) -> None:
    """Fill what ENV left open from the probe's facts; say how each was found."""
    if stack.cuda is None and facts.cuda.version:
        stack.cuda, stack.cuda_source = facts.cuda.version, facts.cuda.source
    if stack.cudnn is None and facts.cudnn.version:
        stack.cudnn, stack.cudnn_source = facts.cudnn.version, facts.cudnn.source
        stack.evidence.append(f"cuDNN {facts.cudnn.version}: {facts.cudnn.why}")
    if facts.cuda_compat_dirs or any(p.startswith("cuda-compat") for p in facts.dpkg):
        stack.cuda_compat = True
    for dist in sorted(facts.distributions, key=lambda d: V.canonical_name(d.name)):
        if K.package_build(dist.name, dist.version) is None:
            continue
        variant = None
        if V.canonical_name(dist.name) == "torch":
            local = V.try_parse(dist.version)
            if local is not None and local.local:
                variant = str(local.local)
            elif facts.torch_cuda:
                variant = V.cuda_variant(facts.torch_cuda)
        stack.frameworks.append(
            Framework(dist.name, dist.version, None, variant, source="installed package metadata")
        )
    if facts.torch_cuda:
        stack.evidence.append(f"torch/version.py: cuda = {facts.torch_cuda}")
    stack.evidence += [f"{fact} unknown: {reason}" for fact, reason in facts.unknown.items()]
    stack.evidence += [f"probe error: {error}" for error in facts.errors]


def stack_from_env(env: dict[str, str], stack: GpuStack) -> None:
    stack.env = dict(env)
    if env.get("CUDA_VERSION"):
        stack.cuda, stack.cuda_source = env["CUDA_VERSION"], "ENV CUDA_VERSION"
    cudnn_env = env.get("CUDNN_VERSION") or env.get("NV_CUDNN_VERSION")
    if cudnn_env:
        stack.stated_cudnn = cudnn_env
    if env.get("NVIDIA_REQUIRE_CUDA"):
        stack.nvidia_require = env["NVIDIA_REQUIRE_CUDA"]
    if env.get("NV_CUDA_COMPAT_PACKAGE"):
        stack.cuda_compat = True


def stack_from_image(engine: Engine, ref: str) -> GpuStack:
    """ENV and labels from the image config; the rest from the in-image probe's facts."""
    info = engine.inspect_image(ref)
    env = engine.image_env(ref)
    stack = GpuStack(base_image=ref)
    stack_from_env(env, stack)
    labels = (info.get("Config") or {}).get("Labels") or {}
    if stack.cuda is None and labels.get("com.nvidia.cuda.version"):
        stack.cuda, stack.cuda_source = (
            labels["com.nvidia.cuda.version"],
            "LABEL com.nvidia.cuda.version",
        )
    env_cuda = stack.cuda
    facts = probe_image(engine, ref)
    stack_from_facts(facts, stack)
    from imagesmith.compat.imagecode import add_binary_code

    add_binary_code(engine, ref, facts, stack)
    if env_cuda and stack.cuda_source.startswith("ENV"):
        stack.evidence.append(f"CUDA {env_cuda} from ENV CUDA_VERSION")
    if stack.stated_cudnn and stack.cudnn is None:
        stack.cudnn, stack.cudnn_source = stack.stated_cudnn, "ENV CUDNN_VERSION"
    for tag_ref in info.get("RepoTags") or []:
        tag = parse_cuda_tag(tag_ref) if stack.cuda is None else None
        if tag is not None and tag.cuda:
            stack.cuda, stack.cuda_source = tag.cuda, f"tag {tag_ref}"
    return stack
