"""Every recipe's output lints with no errors, and compat says `runs` for the groups it was made
for; when nothing runs everywhere, `new` names the blocking group and the best per group."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagesmith.recipe.choose import NoCompatibleChoice

from imagesmith.core.profile import load_profile
from imagesmith.services.compat import compat_for_dockerfile
from imagesmith.services.lint import lint_paths
from imagesmith.services.new import new_build_folder, plan_new

from .test_golden import CASES

# The default cluster plus a Python 3.10 CUDA 11.8 image and a newer driver on the 1080 Ti
# nodes, so that the newest PyTorch build runs on one group but not on the K80s.
NEWER = """
extends = "default"
name = "newer-driver"

[[catalog]]
name = "bit:5000/py310-cu118"
base = "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04"
os = "ubuntu22.04"
cuda = "11.8.89"
cudnn = "8.9.0.131"
python = "/usr/bin/python3"
python_version = "3.10"

[[node_groups]]
name = "G101-G125"
driver = "535.104.05"
driver_source = "stated"
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_lints_clean_and_runs_where_made_for(case: str, tmp_path: Path) -> None:
    recipe, gpu, sets = CASES[case]
    profile = load_profile("default")
    result = new_build_folder(recipe, profile, tmp_path / "dockertmp", gpu=gpu, sets=sets)
    report = lint_paths([result.out], profile)
    assert not report.has_errors, report.to_json()
    verdicts = {g.name: g for g in compat_for_dockerfile(result.out / "Dockerfile", profile).groups}
    for group in result.plan.groups:
        assert verdicts[group.name].verdict == "runs", verdicts[group.name]


def test_choice_depends_on_the_requested_groups(tmp_path: Path) -> None:
    path = tmp_path / "newer.toml"
    path.write_text(NEWER)
    profile = load_profile(path)
    sets = ["base=bit:5000/py310-cu118"]
    assert plan_new("pytorch", profile, gpu="1080ti", sets=sets).framework == "torch==2.1.0+cu121"
    # With the K80s (R470) too, nothing on this base runs: the 11.8 image's cuda-compat libcuda
    # (R520) has a higher driver major than the host's, so libnvidia-container mounts it, and
    # R520 no longer supports Kepler (libnvidia-container compat mount rule; NVIDIA's driver
    # support matrix).
    with pytest.raises(NoCompatibleChoice, match="G131-G144.*cuda-compat"):
        plan_new("pytorch", profile, gpu="all", sets=sets)


def test_no_choice_names_the_blocking_group(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "newer.toml"
    path.write_text(NEWER)
    out = tmp_path / "dockertmp"
    result = cli(
        "new",
        "pytorch",
        "--gpu",
        "all",
        "--set",
        "torch=2.1.0+cu121",
        "--set",
        "base=bit:5000/py310-cu118",
        "--profile",
        str(path),
        "-o",
        str(out),
    )
    assert result.exit_code == 1, result.stderr
    assert "G131-G144 (Tesla K80) blocks torch==2.1.0+cu121" in result.stderr
    assert "best for G101-G125: torch==2.1.0+cu121 on bit:5000/py310-cu118" in result.stderr
    assert "best for G131-G144: none of the options tried" in result.stderr
    assert not out.exists()
