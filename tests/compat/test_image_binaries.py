"""compat IMAGE reads the device code really compiled into the image's CUDA libraries.

Inputs are NVIDIA's own binaries from PyPI (nvidia-curand-cu12 10.3.10.19: SASS sm_50 ... sm_121
and PTX compute_121, checked against cuobjdump; nvidia-cuda-runtime-cu12 12.9.79). Rules: SASS
runs on the same major with an equal or higher minor, PTX JITs forward only (CUDA C++
Programming Guide, Binary/Application Compatibility); CUDA 12 libraries need driver R525+
(CUDA Toolkit release notes, table 3).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from imagesmith.compat.api import compat_for_image
from imagesmith.core.profile import Profile

pytestmark = pytest.mark.engine

DEBIAN = "imagesmith/debian:bookworm"


def test_binaries_decide_the_arch_verdict(engine, profile: Profile, scratch_dir: Path,  # type: ignore[no-untyped-def]
                                          cuda_wheels: dict[str, Path]) -> None:
    curand = next(cuda_wheels["nvidia-curand-cu12==10.3.10.19"].rglob("libcurand.so.10"))
    cudart = next(cuda_wheels["nvidia-cuda-runtime-cu12==12.9.79"].rglob("libcudart.so.12"))
    shutil.copy(curand, scratch_dir / "libcurand.so.10")
    shutil.copy(cudart, scratch_dir / "libcudart.so.12")
    (scratch_dir / "Dockerfile").write_text(
        f"FROM {DEBIAN}\nCOPY libcurand.so.10 libcudart.so.12 /usr/local/cuda/lib64/\n"
    )
    tag = f"imagesmith-test/binaries:{engine.session_id[:8]}"
    list(engine.build(scratch_dir, tag=tag, network_mode="none", labels=engine.labels("test")))
    engine.track_image(tag)
    report = compat_for_image(engine, tag, profile)
    by_group = {g.name: g for g in report.groups}
    k80, gtx = by_group["G131-G144"], by_group["G101-G125"]
    assert k80.verdict == "fails"
    assert any("read from the binary" in r and "sm_37" in r for r in k80.reasons), k80.reasons
    arch = [i for i in gtx.issues if i.cause == "arch" and i.kind == "fail"]
    assert not arch, arch  # SASS sm_60 serves the 1080 Ti's 6.1
    assert any("SASS sm_60" in i.message for i in gtx.issues), [i.message for i in gtx.issues]
    # the CUDA 12 runtime (read from libcudart's SONAME) needs R525+: the driver decides
    assert gtx.verdict in ("fails", "unknown"), gtx.reasons
