"""NVIDIA_REQUIRE_CUDA evaluated like libnvidia-container: space = OR, comma = AND."""

from __future__ import annotations

import pytest

from imagesmith.compat.catalog import require_for_cuda
from imagesmith.compat.require import Host, RequireSyntaxError, evaluate, requirements_from_env
from imagesmith.compat.verdict import host_of
from imagesmith.core.profile import NodeGroup

# Values of real nvidia/cuda images (NV-cuda-mirror history, cuda-compat.md §4b).
REQ_9_0 = "cuda>=9.0"
REQ_10_1 = "cuda>=10.1 brand=tesla,driver>=384,driver<385 brand=tesla,driver>=410,driver<411"
REQ_11_0 = "cuda>=11.0 brand=tesla,driver>=418,driver<419"
REQ_11_3 = "cuda>=11.3 brand=tesla,driver>=418,driver<419 driver>=450"
REQ_11_5 = "cuda>=11.5 brand=tesla,driver>=418,driver<419 brand=tesla,driver>=450,driver<451 brand=tesla,driver>=470,driver<471"
REQ_11_8 = (
    "cuda>=11.8 brand=tesla,driver>=450,driver<451 brand=tesla,driver>=470,driver<471 "
    "brand=unknown,driver>=470,driver<471 brand=nvidia,driver>=470,driver<471 "
    "brand=nvidiartx,driver>=470,driver<471 brand=geforce,driver>=470,driver<471 "
    "brand=geforcertx,driver>=470,driver<471 brand=quadro,driver>=470,driver<471 "
    "brand=quadrortx,driver>=470,driver<471 brand=titan,driver>=470,driver<471 "
    "brand=titanrtx,driver>=470,driver<471 brand=tesla,driver>=510,driver<511 "
    "brand=geforce,driver>=510,driver<511 brand=tesla,driver>=515,driver<516"
)
REQ_12_0 = "cuda>=12.0 brand=tesla,driver>=450,driver<451 brand=tesla,driver>=470,driver<471 brand=geforce,driver>=470,driver<471"


@pytest.mark.parametrize(
    "expr, on_1080ti, on_k80",
    [
        (REQ_9_0, True, True),
        (REQ_10_1, True, True),
        (REQ_11_0, True, True),  # R470 runs CUDA 11.4 natively
        (REQ_11_3, True, True),
        (REQ_11_5, False, True),  # Tesla-only clauses: the GeForce nodes are refused
        (REQ_11_8, True, True),
        (REQ_12_0, True, True),  # admitted at start; IS401 catches the driver
    ],
)
def test_real_requirements_per_group(
    expr: str, on_1080ti: bool, on_k80: bool, gtx: NodeGroup, k80: NodeGroup
) -> None:
    assert evaluate(expr, host_of(gtx)).satisfied is on_1080ti
    assert evaluate(expr, host_of(k80)).satisfied is on_k80


def test_or_and_semantics() -> None:
    r418 = Host(cuda="10.1", driver="418.87.01", arch="7.0", brand="Tesla")
    assert (
        evaluate(REQ_11_0, r418).matched == "brand=tesla,driver>=418,driver<419"
    )  # brand is case-insensitive
    geforce418 = Host(cuda="10.1", driver="418.87.01", arch="6.1", brand="geforce")
    assert not evaluate(REQ_11_0, geforce418).satisfied
    assert evaluate(
        "cuda>=9.0,arch>=3.5 arch=3.0", Host("9.0", "384.81", "3.0", "geforce")
    ).satisfied
    assert not evaluate("cuda>=9.0,arch>=3.5", Host("9.0", "384.81", "3.0", "geforce")).satisfied
    assert evaluate(
        "driver>=470.82", Host("11.4", "470.82.01", "3.7", "tesla")
    ).satisfied  # numeric per component
    assert not evaluate("driver>=470.100", Host("11.4", "470.82.01", "3.7", "tesla")).satisfied
    assert evaluate("", Host("11.4", "470.82.01", "3.7", "tesla")).satisfied


@pytest.mark.parametrize(
    "bad", ["cuda=>9.0", "gpu>=1", "cuda>=9.0,,driver>=1", "brand>tesla", "cuda>=nine"]
)
def test_invalid_expressions(bad: str) -> None:
    with pytest.raises(RequireSyntaxError):
        evaluate(bad, Host("11.4", "470.82.01", "3.7", "tesla"))


def test_variables_that_apply() -> None:
    assert (
        requirements_from_env(
            {"NVIDIA_REQUIRE_CUDA": "cuda>=9.0", "NVIDIA_DISABLE_REQUIRE": "true"}
        )
        == {}
    )
    assert requirements_from_env({"CUDA_VERSION": "8.0.61"}) == {
        "CUDA_VERSION (legacy)": "cuda>=8.0"
    }
    both = requirements_from_env(
        {
            "NVIDIA_REQUIRE_CUDA": "cuda>=9.0",
            "NVIDIA_REQUIRE_ARCH": "arch>=6.0",
            "NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS": "base-only",
        }
    )
    assert set(both) == {"NVIDIA_REQUIRE_CUDA", "NVIDIA_REQUIRE_ARCH"}


def test_tag_requirements_match_the_real_images(gtx: NodeGroup, k80: NodeGroup) -> None:
    for cuda, gtx_ok in (("9.0", True), ("11.5", False), ("11.8", True)):
        assert evaluate(require_for_cuda(cuda), host_of(gtx)).satisfied is gtx_ok
        assert evaluate(require_for_cuda(cuda), host_of(k80)).satisfied
