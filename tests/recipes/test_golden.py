"""Recipe + parameters -> the exact Dockerfile and imagesmith.toml (golden files)."""

from __future__ import annotations

import pytest

from imagesmith.core.profile import load_profile
from imagesmith.services.new import CONFIG_NAME, plan_new

from .conftest import DATA

CASES = {
    "pip-extras": (
        "pip-extras",
        None,
        ["packages=six==1.16.0,tqdm==4.66.1", "packages=requests[socks]==2.31.0"],
    ),
    "requirements": ("requirements", None, [f"requirements={DATA / 'requirements.txt'}"]),
    "pytorch-all": ("pytorch", "all", []),
    "pytorch-1080ti": ("pytorch", "1080ti", ["packages=tqdm==4.66.1"]),
    "tensorflow-all": ("tensorflow", None, []),
    "conda-env": ("conda-env", "k80", [f"environment={DATA / 'environment.yml'}"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_recipe_output_matches_golden(case: str, golden) -> None:  # type: ignore[no-untyped-def]
    recipe, gpu, sets = CASES[case]
    plan = plan_new(recipe, load_profile("default"), gpu=gpu, sets=sets)
    golden(f"{case}/Dockerfile", plan.files["Dockerfile"])
    golden(f"{case}/{CONFIG_NAME}", plan.files[CONFIG_NAME])
