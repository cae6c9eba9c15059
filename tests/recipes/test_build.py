"""pip-extras and requirements build on the emulated bit:5000/deepo_9 (real engine, host
networking for PyPI) and pass `verify`, their smoke tests included, as the job uid."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from imagesmith.core.profile import load_profile
from imagesmith.services.build import build_folder
from imagesmith.services.new import new_build_folder
from imagesmith.services.verify import verify_image

from .conftest import DATA

BUILDS = {
    "pip-extras": ["packages=six==1.16.0,tqdm==4.66.1"],
    "requirements": [f"requirements={DATA / 'requirements.txt'}"],
}


@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize("recipe", sorted(BUILDS))
def test_recipe_builds_and_passes_verify(recipe: str, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile("default")
    result = new_build_folder(recipe, profile, tmp_path / "dockertmp", sets=BUILDS[recipe])
    assert result.plan.choice.option.base.name == "bit:5000/deepo_9"

    tag = f"imagesmith-test/recipe-{recipe}:{uuid.uuid4().hex[:8]}"
    try:
        built = build_folder(result.out, tag=tag, profile=profile, engine=engine)
        assert built.ok, built.failure
        report = verify_image(engine, tag, profile, tests_from=result.out)
    finally:
        engine.remove_image(tag)
    smoke = [c for c in report.checks if c.name.startswith("smoke: ")]
    assert [c.name for c in smoke] == [
        "smoke: python starts as the job uid",
        "smoke: six 1.16.0 is installed",
        "smoke: tqdm 4.66.1 is installed",
    ]
    failed = [(c.name, c.summary, c.details) for c in report.checks if c.fails_verify]
    assert report.passed, failed
