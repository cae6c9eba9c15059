"""`parse_cuda_tag` on real nvidia/cuda tags.

Tag list: NVIDIA's supported-tags page (gitlab.com/nvidia/container-images/cuda,
doc/supported-tags.md: `12.9.1-cudnn-devel-ubuntu24.04`, `13.0.0-cudnn-runtime-ubuntu24.04`,
`12.2.2-base-ubi8`, `12.4.1-devel-rockylinux8`, `11.8.0-cudnn8-runtime-ubuntu22.04`) and the
archived end-of-life tags (the Docker Hub list mirrored in MassGrid/Dockerfile_cuda:
`10.0-cudnn7-devel-ubuntu18.04`, `9.0-base`, `9.2-cudnn7-runtime`, `8.0-cudnn5-devel`).
"""

from __future__ import annotations

import pytest

from imagesmith.compat.catalog import CudaTag, parse_cuda_tag, stack_from_cuda_tag

DIGEST = "sha256:" + "0e2d7e252847c334b056937e533683556926f5343a472b6b92f858a7af8ab880"

# tag -> (cuda, has_cudnn, cudnn, flavour, os)
KNOWN = {
    "12.9.1-cudnn-devel-ubuntu24.04": ("12.9.1", True, None, "devel", "ubuntu24.04"),
    "13.0.0-cudnn-runtime-ubuntu24.04": ("13.0.0", True, None, "runtime", "ubuntu24.04"),
    "13.0.1-base-ubuntu22.04": ("13.0.1", False, None, "base", "ubuntu22.04"),
    "11.8.0-cudnn8-runtime-ubuntu22.04": ("11.8.0", True, "8", "runtime", "ubuntu22.04"),
    "11.4.3-cudnn8-devel-centos7": ("11.4.3", True, "8", "devel", "centos7"),
    "10.0-cudnn7-devel-ubuntu18.04": ("10.0", True, "7", "devel", "ubuntu18.04"),
    "9.0-base": ("9.0", False, None, "base", None),
    "9.2-cudnn7-runtime": ("9.2", True, "7", "runtime", None),
    "8.0-cudnn5-devel": ("8.0", True, "5", "devel", None),
    "12.2.2-base-ubi8": ("12.2.2", False, None, "base", "ubi8"),
    "12.4.1-devel-rockylinux8": ("12.4.1", False, None, "devel", "rockylinux8"),
    "9.0": ("9.0", False, None, None, None),
}


@pytest.mark.parametrize("tag", sorted(KNOWN))
def test_known_shapes(tag: str) -> None:
    parsed = parse_cuda_tag(f"nvidia/cuda:{tag}")
    assert parsed is not None
    assert (parsed.cuda, parsed.has_cudnn, parsed.cudnn, parsed.flavour, parsed.os) == KNOWN[tag]
    assert parsed.tag == tag and parsed.digest is None


def test_unnumbered_cudnn_is_an_unknown_part_not_absent() -> None:
    parsed = parse_cuda_tag("nvidia/cuda:12.9.1-cudnn-devel-ubuntu24.04")
    assert parsed is not None and parsed.has_cudnn and parsed.cudnn is None
    assert any("cuDNN but not its version" in u for u in parsed.unknown)
    assert parse_cuda_tag("nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04").unknown == ()  # type: ignore[union-attr]


def test_registries_and_digests() -> None:
    for repo in ("nvidia/cuda", "docker.io/nvidia/cuda", "nvcr.io/nvidia/cuda"):
        parsed = parse_cuda_tag(f"{repo}:12.2.2-base-ubi8@{DIGEST}")
        assert parsed is not None and (parsed.cuda, parsed.digest) == ("12.2.2", DIGEST)
    only_digest = parse_cuda_tag(f"nvidia/cuda@{DIGEST}")
    assert only_digest is not None and only_digest.cuda is None
    assert "digest only" in only_digest.unknown[0]


@pytest.mark.parametrize(
    "ref, cuda, flavour, says",
    [
        ("nvidia/cuda:latest", None, None, "moving tag"),
        ("nvidia/cuda", None, None, "no tag"),
        ("nvidia/cuda:devel", None, "devel", "moving tag"),
        ("nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04-arm64", "12.4.1", "devel", "not one of"),
        ("nvidia/cuda:nightly-cuda12", None, None, "not one of"),
    ],
)
def test_unknown_shapes_keep_what_they_can(
    ref: str, cuda: str | None, flavour: str | None, says: str
) -> None:
    parsed = parse_cuda_tag(ref)
    assert isinstance(parsed, CudaTag)
    assert (parsed.cuda, parsed.flavour) == (cuda, flavour)
    assert parsed.unknown and says in parsed.unknown[0]


def test_an_unparseable_cuda_tag_never_becomes_no_cuda() -> None:
    stack = stack_from_cuda_tag("nvidia/cuda:latest")
    assert stack is not None and not stack.empty and stack.cuda is None
    assert any("moving tag" in u.reason for u in stack.unknowns)
    assert stack_from_cuda_tag("ubuntu:22.04") is None and parse_cuda_tag("ubuntu:22.04") is None
    tagged = stack_from_cuda_tag("nvidia/cuda:10.0-cudnn7-devel-ubuntu18.04")
    assert tagged is not None and (tagged.cuda, tagged.cudnn, tagged.has_nvcc) == ("10.0", "7", True)


