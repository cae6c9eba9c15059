"""Stacks read from Dockerfiles, `imagesmith compat` on files and folders, and the IS40x rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagesmith.compat.dockerstack import stack_from_dockerfile
from imagesmith.core.profile import Profile
from tests.conftest import run_cli


def write(folder: Path, text: str) -> Path:
    path = folder / "Dockerfile"
    path.write_text(text)
    return path


def test_catalog_base_and_pip_framework(scratch_dir: Path, profile: Profile) -> None:
    path = write(scratch_dir, "FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.0.0\n")
    stack = stack_from_dockerfile(path, profile)
    assert stack.cuda == "9.0.176" and stack.catalog_image == "bit:5000/deepo_9"
    tf = [f for f in stack.frameworks if f.name == "tensorflow-gpu"]
    assert [(f.version, f.line) for f in tf] == [("1.0.0", 2)]  # replaces the catalog's 1.8.0


@pytest.mark.parametrize(
    "text, cuda, cudnn, torch",
    [
        ("FROM nvidia/cuda:9.0-cudnn7-devel-ubuntu16.04\n", "9.0", "7", None),
        (
            "FROM nvidia/cuda:11.8.0-runtime-ubuntu22.04\nRUN pip install torch==2.0.1+cu118 -f "
            "https://download.pytorch.org/whl/torch_stable.html\n",
            "11.8.0",
            None,
            ("2.0.1+cu118", None),
        ),
        (
            "FROM ubuntu:20.04\nRUN pip3 install torch==1.12.1 --extra-index-url https://download.pytorch.org/whl/cu113\n",
            None,
            None,
            ("1.12.1", "cu113"),
        ),
        (
            "FROM ubuntu:16.04\nRUN pip install http://download.pytorch.org/whl/cu90/torch-0.4.0-cp36-cp36m-linux_x86_64.whl\n",
            None,
            None,
            ("0.4.0", "cu90"),
        ),
        (
            "FROM ubuntu:20.04\nRUN apt-get update && apt-get install -y cuda-toolkit-11-4 libcudnn8=8.2.4.15-1+cuda11.4\n",
            "11.4",
            "8.2.4.15",
            None,
        ),
        (
            'FROM ubuntu:18.04\nENV CUDA_VERSION=10.1.243\nENV NVIDIA_REQUIRE_CUDA="cuda>=10.1"\n',
            "10.1.243",
            None,
            None,
        ),
        (
            "FROM continuumio/miniconda3\nRUN conda install -y pytorch=1.4.0=py3.6_cuda10.1.243_cudnn7.6.3_0\n",
            None,
            None,
            ("1.4.0", "cu101"),
        ),
        ("FROM pytorch/pytorch:1.9.0-cuda10.2-cudnn7-runtime\n", "10.2", "7", ("1.9.0", "cu102")),
    ],
)
def test_stack_sources(
    text: str,
    cuda: str | None,
    cudnn: str | None,
    torch: tuple[str, str | None] | None,
    scratch_dir: Path,
    profile: Profile,
) -> None:
    stack = stack_from_dockerfile(write(scratch_dir, text), profile)
    assert stack.cuda == cuda
    assert stack.cudnn == cudnn
    found = [(f.version, f.variant) for f in stack.frameworks if f.name == "torch"]
    assert found == ([torch] if torch else [])


def test_guide_example_archive(profile: Profile, scratch_dir: Path) -> None:
    from imagesmith.core.resources import example_dir
    from imagesmith.services.compat import compat_for_stack

    stack = stack_from_dockerfile(example_dir("guide-request") / "Dockerfile", profile)
    assert (stack.cuda, stack.cudnn) == (
        "8.0.61",
        "5.1.10",
    )  # read from the tar in the build folder
    assert stack.cuda_source == "archive cuda8-cudnn5.tar" and stack.base_cudnn == "6.0.21"
    report = compat_for_stack(stack, profile, "guide")
    reasons = " ".join(report.groups[0].reasons)
    assert report.groups[0].verdict == "runs-with-caveats"
    assert "comes only from cuda8-cudnn5.tar" in reasons
    assert "ENV CUDNN_VERSION says 5.0" in reasons  # guide step 5: the ENV must tell the truth
    (scratch_dir / "Dockerfile").write_text(
        "FROM bit:5000/deepo\nADD cuda9-cudnn7.tar /usr/local/\n"
    )
    named = stack_from_dockerfile(
        scratch_dir / "Dockerfile", profile
    )  # no file: the name is all there is
    assert (named.cuda, named.cudnn) == ("9.0", "7")
    assert any("cuda9-cudnn7.tar" in a for a in named.assumed)


def test_cli_text_and_exit_codes(scratch_dir: Path) -> None:
    write(scratch_dir, "FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04\n")
    res = run_cli("compat", str(scratch_dir))
    assert res.exit_code == 1, res.stderr
    assert "G131-G144 (Tesla K80, sm_37, driver 470.82.01 assumed): fails" in res.stdout
    assert (
        "no sm_37 code" in res.stdout
        and "suggestion: base the image on bit:5000/deepo_9" in res.stdout
    )
    write(scratch_dir, "FROM bit:5000/deepo_9\n")
    res = run_cli("compat", str(scratch_dir / "Dockerfile"), "--format", "json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert [g["verdict"] for g in data["groups"]] == ["runs", "runs"]
    assert data["profile"] == "default" and data["groups"][1]["driver_source"] == "assumed"


def test_cli_caveats_and_gpu_selection(scratch_dir: Path) -> None:
    # torch's cu117 wheel bundles a CUDA 11.7 runtime and no cuda-compat package: on R470 it runs
    # through minor-version compatibility only (a caveat)
    write(scratch_dir, "FROM python:3.10\nRUN pip install torch==1.13.1+cu117\n")
    res = run_cli("compat", str(scratch_dir), "--gpu", "k80", "--format", "json")
    data = json.loads(res.stdout)
    assert [g["name"] for g in data["groups"]] == ["G131-G144"]
    assert data["groups"][0]["verdict"] == "runs-with-caveats" and res.exit_code == 1
    assert run_cli("compat", str(scratch_dir), "--gpu", "k80", "--caveats-ok").exit_code == 0


def test_cli_bad_input(tmp_path: Path) -> None:
    assert run_cli("compat", str(tmp_path / "missing" / "Dockerfile")).exit_code == 2
    assert run_cli("compat", str(tmp_path)).exit_code == 2  # a folder without a Dockerfile
    res = run_cli("compat", str(tmp_path), "--format", "yaml")
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    (tmp_path / "Dockerfile").write_text("FROM bit:5000/deepo_9\n")
    res = run_cli("compat", str(tmp_path), "--gpu", "v100")
    assert res.exit_code == 2 and "matches no node group" in res.stderr


def test_engine_down_is_exit_2() -> None:
    res = run_cli("compat", "bit:5000/deepo_9", env={"DOCKER_HOST": "tcp://127.0.0.1:9"})
    assert res.exit_code == 2 and "Docker engine not reachable" in res.stderr


def test_lint_rules_report_gpu_findings(profile: Profile) -> None:
    from imagesmith.services.lint import lint_text

    text = (
        "FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04\n"
        "RUN pip install torch==2.8.0 tensorflow-gpu==1.0.0 && nvidia-smi\n"
        'ENV NVIDIA_REQUIRE_CUDA="cuda>=12.2 brand=tesla,driver>=470,driver<471"\n'
        'RUN python -c "import torch; assert torch.cuda.is_available()"\n'
    )
    report = lint_text(text, "Dockerfile", profile)
    by_code: dict[str, list[int]] = {}
    for f in report.findings:
        by_code.setdefault(f.code, []).append(f.line)
    assert {"IS401", "IS402", "IS403", "IS405", "IS406", "IS407"} <= set(by_code)
    assert 3 in by_code["IS406"] and 2 in by_code["IS402"] and sorted(by_code["IS407"]) == [2, 4]
    errors = {f.code for f in report.findings if f.severity.value == "error"}
    assert {"IS401", "IS402", "IS406", "IS407"} <= errors


def test_lint_clean_on_deepo_9(profile: Profile) -> None:
    from imagesmith.services.lint import lint_text

    report = lint_text(
        "FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.8.0\n", "Dockerfile", profile
    )
    assert not [f for f in report.findings if f.code.startswith("IS40")]
    cudnn = lint_text(
        "FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.2.0\n", "Dockerfile", profile
    )
    assert {f.code for f in cudnn.findings if f.code.startswith("IS40")} == {"IS403", "IS404"}


def test_env_contradicting_a_pinned_cudnn_install_is_one_finding() -> None:
    """IS302 reports an ENV that contradicts a pinned install; IS404 does not repeat it."""
    from imagesmith.core.profile import load_profile
    from imagesmith.services.lint import LintOptions, lint_text

    text = (
        "FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        "libcudnn7=7.0.5.15-1+cuda9.0 && rm -rf /var/lib/apt/lists/*\n"
        "ENV CUDNN_VERSION=7.1.2.21\n"
    )
    report = lint_text(text, "Dockerfile", load_profile("default"), LintOptions(hadolint="off"))
    on_env_line = sorted(f.code for f in report.findings if f.line == 4)
    assert on_env_line == ["IS302"]
    # Without the pin, the ENV claim is still checked (against the base image's cuDNN).
    unpinned = text.replace("=7.0.5.15-1+cuda9.0", "").replace("7.1.2.21", "6.0")
    report = lint_text(unpinned, "Dockerfile", load_profile("default"), LintOptions(hadolint="off"))
    assert "IS404" in {f.code for f in report.findings if f.line == 4}
