"""Shared helpers for the compat tests: the default profile and its two node groups."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imagesmith.core.profile import NodeGroup, Profile, load_profile

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def shared_dir() -> Path:
    env = os.environ.get("IMAGESMITH_SHARED")
    return Path(env) if env else REPO / ".." / "shared"


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile("default")


@pytest.fixture(scope="session")
def gtx(profile: Profile) -> NodeGroup:
    group = profile.group("G101-G125")
    assert group is not None and group.compute_capability == "6.1"
    return group


@pytest.fixture(scope="session")
def k80(profile: Profile) -> NodeGroup:
    group = profile.group("G131-G144")
    assert group is not None and group.compute_capability == "3.7"
    return group


@pytest.fixture(scope="session")
def cuda_wheels() -> dict[str, Path]:
    """NVIDIA's CUDA library wheels from PyPI, unpacked (scripts/cuda_wheels.py): name==version
    -> folder. A failed download fails under CI=true and skips only on a developer machine."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("cuda_wheels", REPO / "scripts" / "cuda_wheels.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        return module.fetch_all()
    except RuntimeError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CUDA wheels not available: {exc}")
        pytest.skip(f"CUDA wheels not available: {exc}")
