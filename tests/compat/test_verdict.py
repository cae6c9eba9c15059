"""The verdict engine on stacks: the issue's proof cases."""

from __future__ import annotations

import dataclasses

import pytest

from imagesmith.compat.catalog import stack_from_catalog, stack_from_cuda_tag
from imagesmith.compat.report import group_verdict
from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.core.profile import NodeGroup, Profile
from imagesmith.services.compat import compat_for_stack


def codes(v) -> set[str]:  # type: ignore[no-untyped-def]
    return {i.code for i in v.issues if i.kind == "fail"}


def test_cuda12_image_fails_on_k80(k80: NodeGroup) -> None:
    v = group_verdict(stack_from_cuda_tag("nvidia/cuda:12.2.0-runtime-ubuntu22.04"), k80)
    assert v.verdict == "fails"
    assert {"IS401", "IS402"} <= codes(v)
    assert any("no sm_37 code" in r for r in v.reasons)


def test_cuda13_image_fails_on_1080ti(gtx: NodeGroup) -> None:
    v = group_verdict(stack_from_cuda_tag("nvidia/cuda:13.0.0-base-ubuntu24.04"), gtx)
    assert v.verdict == "fails"
    assert any("no sm_61 code" in r for r in v.reasons)
    newer = dataclasses.replace(gtx, driver="580.95.05", driver_source="detected")
    v = group_verdict(stack_from_cuda_tag("nvidia/cuda:13.0.0-base-ubuntu24.04"), newer)
    assert v.verdict == "fails" and codes(v) == {
        "IS402"
    }  # a new enough driver does not bring Pascal back


def test_cuda118_on_k80_r470_fails_through_its_compat_package(k80: NodeGroup) -> None:
    """nvidia/cuda 11.8 images install cuda-compat-11-8 (NVIDIA's base Dockerfile,
    NV_CUDA_COMPAT_PACKAGE). libnvidia-container mounts the compat libcuda when its driver major
    (R520) is above the host's (R470) whatever the GPU (src/nvc_mount.c / compat_mode.c), and R520
    no longer supports Kepler (NVIDIA driver support matrix): no device. Minor-version
    compatibility alone would have run it (CUDA Compatibility guide), so the reasons say both."""
    v = group_verdict(stack_from_cuda_tag("nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04"), k80)
    assert v.verdict == "fails"
    text = " ".join(v.reasons)
    assert "cuda-compat" in text and "R470" in text
    assert "minor-version compatibility" in text


def test_deepo_9_runs_on_both(profile: Profile) -> None:
    image = profile.find_image("bit:5000/deepo_9")
    assert image is not None
    report = compat_for_stack(stack_from_catalog(image), profile, image.name)
    assert [g.verdict for g in report.groups] == ["runs", "runs"]
    assert report.all_run and report.exit_code() == 0
    assert all(any("384.81" in r for r in g.reasons) for g in report.groups)
    old = dataclasses.replace(profile.node_groups[0], driver="375.26")
    v = group_verdict(stack_from_catalog(image), old)
    assert v.verdict == "fails" and "IS401" in codes(v)


@pytest.mark.parametrize(
    "torch, verdict",
    [
        ("0.4.0+cu90", "runs"),
        ("1.10.2+cu102", "runs"),
        (
            "1.13.1",
            "runs",
        ),  # PyPI default cu117 on R470: minor-version compatibility → caveat, see below
        ("2.0.1", "runs"),
        ("2.7.1+cu118", "runs-with-caveats"),
        ("2.8.0", "fails"),  # cu128: needs R570 and has no sm_61
        (
            "2.8.0+cu126",
            "fails",
        ),  # has sm_60 but needs driver ≥ 560 (CUDA 12 is beyond R470's family)
    ],
)
def test_torch_default_wheels_on_1080ti(torch: str, verdict: str, gtx: NodeGroup) -> None:
    ver, _, variant = torch.partition("+")
    v = group_verdict(GpuStack(frameworks=[Framework("torch", ver, 3, variant or None)]), gtx)
    expected = {"1.13.1": "runs-with-caveats", "2.0.1": "runs-with-caveats"}.get(torch, verdict)
    assert v.verdict == expected, v.reasons


def test_torch_28_on_a_new_driver_still_lacks_pascal(gtx: NodeGroup) -> None:
    new = dataclasses.replace(gtx, driver="575.57.08", driver_source="detected")
    assert group_verdict(GpuStack(frameworks=[Framework("torch", "2.8.0")]), new).verdict == "fails"
    assert (
        group_verdict(
            GpuStack(frameworks=[Framework("torch", "2.8.0", None, "cu126")]), new
        ).verdict
        == "runs"
    )


def test_unknown_pypi_flavour_is_never_a_hard_failure_alone(gtx: NodeGroup) -> None:
    new = dataclasses.replace(gtx, driver="575.57.08", driver_source="detected")
    v = group_verdict(GpuStack(frameworks=[Framework("torch", "2.9.0")]), new)
    assert v.verdict == "runs-with-caveats"  # cu126 would run, cu128/cu130 not: unverified default
    v = group_verdict(GpuStack(frameworks=[Framework("torch", "2.9.0")]), gtx)
    assert v.verdict == "fails"  # every flavour needs a CUDA 12/13 driver


@pytest.mark.parametrize(
    "tf, cuda, cudnn, verdict, code",
    [
        ("1.0.0", "8.0.61", "5.1.10", "runs", None),
        ("1.0.0", "9.0.176", "7.1.2", "fails", "IS403"),
        ("1.2.0", "8.0.61", "6.0.21", "fails", "IS404"),
        ("1.8.0", "9.0.176", "7.1.2", "runs", None),
        ("1.8.0", "8.0.61", "7.0.5", "fails", "IS403"),
        ("2.4.0", "11.0.3", "8.0.5", "runs", None),
        ("2.11.0", "11.2.2", "8.1.1", "runs", None),
    ],
)
def test_tensorflow_gpu_pairs(
    tf: str, cuda: str, cudnn: str, verdict: str, code: str | None, gtx: NodeGroup
) -> None:
    stack = GpuStack(cuda=cuda, cudnn=cudnn, frameworks=[Framework("tensorflow-gpu", tf, 2)])
    v = group_verdict(stack, gtx)
    assert v.verdict == verdict, v.reasons
    if code:
        assert code in codes(v)


def test_forward_compat_on_geforce(gtx: NodeGroup, k80: NodeGroup) -> None:
    old = dataclasses.replace(gtx, driver="418.87.01")
    stack = stack_from_cuda_tag("nvidia/cuda:10.2-runtime-ubuntu18.04")
    assert stack is not None and stack.cuda_compat
    v = group_verdict(stack, old)
    assert v.verdict == "fails" and "IS405" in codes(v)
    tesla410 = dataclasses.replace(
        k80, driver="410.79"
    )  # admitted by brand=tesla,driver>=410,driver<411
    v = group_verdict(stack, tesla410)
    assert v.verdict == "runs-with-caveats" and "forward-compatibility" in " ".join(v.reasons)


def test_nvidia_require_unsatisfied(gtx: NodeGroup) -> None:
    stack = GpuStack(nvidia_require="cuda>=11.5 brand=tesla,driver>=470,driver<471")
    v = group_verdict(stack, gtx)
    assert v.verdict == "fails" and codes(v) == {"IS406"}
    assert (
        group_verdict(
            GpuStack(nvidia_require="cuda>=11.5", env={"NVIDIA_DISABLE_REQUIRE": "1"}), gtx
        ).verdict
        == "runs"
    )


def test_empty_stack_runs(gtx: NodeGroup) -> None:
    v = group_verdict(GpuStack(), gtx)
    assert v.verdict == "runs" and "nothing GPU-specific" in v.reasons[0]


def test_report_json_shape_and_suggestion(profile: Profile) -> None:
    report = compat_for_stack(GpuStack(frameworks=[Framework("torch", "2.8.0", 4)]), profile, "t")
    data = report.to_dict()
    assert set(data) >= {"target", "profile", "groups"}
    for g in data["groups"]:
        assert set(g) >= {
            "name",
            "gpu",
            "compute_capability",
            "driver",
            "driver_source",
            "verdict",
            "reasons",
            "suggestion",
        }
        assert g["verdict"] == "fails"
        assert g["suggestion"].startswith("use torch==") and "+cu" in g["suggestion"]
    assert report.exit_code() == 1
