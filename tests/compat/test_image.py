"""Stacks read from built images through the engine: the emulated cluster images and images
built FROM them (real builds, real probe containers)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from imagesmith.compat.imagestack import stack_from_image
from imagesmith.core.profile import Profile
from imagesmith.services.compat import compat_for_image
from tests.conftest import DEBIAN, DEEPO_9, NV_TF_1705, run_cli

SITE = "/usr/local/lib/python3.11/dist-packages"


def build(engine, folder: Path, dockerfile: str) -> str:  # type: ignore[no-untyped-def]
    (folder / "Dockerfile").write_text(dockerfile)
    tag = f"imagesmith-test/compat-{uuid.uuid4().hex[:10]}:latest"
    events = list(engine.build(folder, tag=tag, labels=engine.labels("test")))
    engine.track_image(tag)
    errors = [e.text for e in events if e.kind == "error"]
    assert not errors, errors
    return tag


def test_deepo_9_runs_on_both(engine, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    stack = stack_from_image(engine, DEEPO_9)
    assert stack.cuda == "9.0.176" and stack.cudnn and stack.cudnn.startswith("7.1.2")
    torch = [f for f in stack.frameworks if f.name == "torch"]
    assert [(f.version, f.variant) for f in torch] == [
        ("0.4.0", "cu90")
    ]  # variant from torch/version.py
    assert {"tensorflow-gpu", "mxnet-cu90", "cntk-gpu"} <= {f.name for f in stack.frameworks}
    report = compat_for_image(engine, DEEPO_9, profile)
    assert [g.verdict for g in report.groups] == ["runs", "runs"]
    assert all(any("≥ 384.81" in r for r in g.reasons) for g in report.groups)


def test_nvidia_tensorflow_1705(engine, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    report = compat_for_image(engine, NV_TF_1705, profile)
    assert report.stack.cuda == "8.0.61" and report.stack.cudnn == "6.0.21"
    assert report.all_run


def test_torch_28_on_deepo_9_fails(engine, scratch_dir: Path, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    tag = build(
        engine,
        scratch_dir,
        f"""FROM {DEEPO_9}
RUN cd {SITE} && rm -rf torch-0.4.0.dist-info && mkdir torch-2.8.0.dist-info \\
 && printf 'Metadata-Version: 2.1\\nName: torch\\nVersion: 2.8.0\\n' > torch-2.8.0.dist-info/METADATA \\
 && printf "__version__ = '2.8.0'\\ncuda = '12.8'\\n" > torch/version.py
""",
    )
    report = compat_for_image(engine, tag, profile)
    assert [(f.version, f.variant) for f in report.stack.frameworks if f.name == "torch"] == [
        ("2.8.0", "cu128")
    ]
    gtx, k80 = report.groups
    assert gtx.verdict == k80.verdict == "fails"
    assert any("no sm_61 code" in r for r in gtx.reasons)
    assert any("needs driver ≥ 570.26" in r for r in gtx.reasons)
    assert gtx.suggestion and gtx.suggestion.startswith("use torch==")
    res = run_cli("compat", tag, "--format", "json")
    assert res.exit_code == 1, res.stderr
    assert [g["verdict"] for g in json.loads(res.stdout)["groups"]] == ["fails", "fails"]


def test_cuda12_from_version_json_fails_on_k80(engine, scratch_dir: Path, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    tag = build(
        engine,
        scratch_dir,
        f"""FROM {DEBIAN}
RUN mkdir -p /usr/local/cuda-12.2 && ln -s /usr/local/cuda-12.2 /usr/local/cuda \\
 && printf '{{"cuda": {{"name": "CUDA SDK", "version": "12.2.2"}}}}' > /usr/local/cuda/version.json \\
 && touch /usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.4
""",
    )
    stack = stack_from_image(engine, tag)
    assert (stack.cuda, stack.cuda_source) == ("12.2.2", "/usr/local/cuda/version.json")
    assert stack.cudnn == "8.9.4"
    report = compat_for_image(engine, tag, profile)
    k80 = report.groups[1]
    assert k80.verdict == "fails" and any("no sm_37 code" in r for r in k80.reasons)


def test_image_without_a_shell(engine, scratch_dir: Path, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    (scratch_dir / "version.txt").write_text("CUDA Version 10.0.130\n")
    tag = build(engine, scratch_dir, "FROM scratch\nCOPY version.txt /usr/local/cuda/version.txt\n")
    stack = stack_from_image(
        engine, tag
    )  # nothing can run in it: files are read from a stopped container
    assert (stack.cuda, stack.cuda_source) == ("10.0.130", "/usr/local/cuda/version.txt")
    assert any("no /bin/sh" in e for e in stack.evidence)
    report = compat_for_image(engine, tag, profile)
    assert [g.verdict for g in report.groups] == [
        "runs",
        "runs",
    ]  # 10.0 needs 410.48; R470 is newer


def test_cudnn_on_ld_library_path_wins_over_headers(engine, scratch_dir: Path, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    """The loader searches LD_LIBRARY_PATH first, so a cuDNN put there is the one jobs use."""
    tag = build(
        engine,
        scratch_dir,
        f"""FROM {NV_TF_1705}
RUN mkdir -p /opt/cudnn5/lib64 && touch /opt/cudnn5/lib64/libcudnn.so.5.1.10 \\
 && ln -s libcudnn.so.5.1.10 /opt/cudnn5/lib64/libcudnn.so.5
ENV LD_LIBRARY_PATH=/opt/cudnn5/lib64:$LD_LIBRARY_PATH CUDNN_VERSION=5.1.10
""",
    )
    stack = stack_from_image(engine, tag)
    assert (stack.cudnn, stack.cudnn_source) == ("5.1.10", "/opt/cudnn5/lib64/libcudnn.so.5.1.10")
    report = compat_for_image(engine, tag, profile)
    assert not any("CUDNN_VERSION says" in r for g in report.groups for r in g.reasons)
    # Without it on the path, the header in /usr/include (the base image's cuDNN 6) counts.
    assert stack_from_image(engine, NV_TF_1705).cudnn == "6.0.21"
