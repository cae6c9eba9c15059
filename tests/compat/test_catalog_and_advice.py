"""Catalog images never fail, and advice is itself checked before it is offered.

A catalog image is one the admins run on these nodes: when an assumption about it makes lint or
compat fail, the assumption is wrong (so the profile's bit:5000/deepo entry follows ufoym/deepo's
git history: docker/Dockerfile.all-py36 of 2017-11-27..2018-02-11, nvidia/cuda:8.0-cudnn6).
Every choice `new` makes and every suggestion compat prints must pass compat and the
wheel-availability facts (PyPI file lists) for the image's Python.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imagesmith.compat.api import compat_for_dockerfile
from imagesmith.compat.wheels import WheelKind, wheel_for_release
from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import load_profile
from imagesmith.recipe.choose import NoCompatibleChoice
from imagesmith.recipe.loader import all_recipes
from imagesmith.services.lint import LintOptions, lint_text
from imagesmith.services.new import plan_new
from tests.recipes.test_golden import CASES as GOLDEN

PROFILE = load_profile("default")
CATALOG = [img.name for img in PROFILE.catalog]
GROUPS = ["1080ti", "k80", "all"]


@pytest.mark.parametrize("image", CATALOG)
def test_lint_and_compat_accept_every_catalog_image(image: str, tmp_path: Path) -> None:
    text = f"FROM {image}\n"
    report = lint_text(text, "Dockerfile", PROFILE, LintOptions(hadolint="off", use_config=False))
    assert not [f for f in report.findings if f.severity.value == "error"], report.findings
    (tmp_path / "Dockerfile").write_text(text)
    compat = compat_for_dockerfile(tmp_path / "Dockerfile", PROFILE)
    for group in compat.groups:
        assert group.verdict in ("runs", "runs-with-caveats"), (group.name, group.reasons)


def _pins(text: str) -> list[tuple[str, str]]:
    return re.findall(r"\b(torch|tensorflow-gpu|tensorflow|jax)==([0-9][\w.+]*)", text)


@pytest.mark.parametrize("image", CATALOG)
@pytest.mark.parametrize("gpu", GROUPS)
@pytest.mark.parametrize("recipe", [r.name for r in all_recipes()])
def test_every_recipe_choice_is_checked(recipe: str, gpu: str, image: str, tmp_path: Path) -> None:
    sets = [s for case, _, sets in GOLDEN.values() if case == recipe for s in sets][:1]
    try:
        plan = plan_new(recipe, PROFILE, gpu=gpu, sets=[f"base={image}", *sets])
    except NoCompatibleChoice as exc:
        assert "G1" in exc.one_line()  # refused naming the blocking group, never a bad choice
        return
    except UserInputError as exc:  # e.g. conda-env needs Python >= 3: says so, writes nothing
        assert "python" in exc.one_line().lower(), exc.one_line()
        return
    dockerfile = plan.files["Dockerfile"].decode()
    (tmp_path / "Dockerfile").write_text(dockerfile)
    compat = compat_for_dockerfile(tmp_path / "Dockerfile", PROFILE)
    wanted = {g.name for g in plan.groups}
    for group in compat.groups:
        if group.name in wanted:
            assert group.verdict in ("runs", "runs-with-caveats"), (group.name, group.reasons)
    python = PROFILE.find_image(image).python_version  # type: ignore[union-attr]
    for package, version in _pins(dockerfile):
        found = wheel_for_release(package, version, python)
        assert found.kind == WheelKind.YES, (package, version, python, found.reason)


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM bit:5000/deepo_9\nRUN pip install torch==1.12.0\n",
        "FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.12.0\n",
        "FROM bit:5000/deepo\nRUN pip install tensorflow-gpu==2.14.0\n",
        "FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04\n",
    ],
)
def test_suggestions_run_where_they_say(dockerfile: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    compat = compat_for_dockerfile(tmp_path / "Dockerfile", PROFILE)
    advice = {g.suggestion for g in compat.groups if g.suggestion}
    for text in advice:
        m = re.search(r"use (\S+)==(\S+) on (\S+) \(", text)
        if m is None:
            m2 = re.search(r"base the image on (\S+) ", text)
            assert m2, text
            probe = f"FROM {m2.group(1)}\n"
        else:
            package, version, base = m.groups()
            python = PROFILE.find_image(base).python_version  # type: ignore[union-attr]
            assert wheel_for_release(package, version, python).kind == WheelKind.YES, text
            probe = f"FROM {base}\nRUN pip install {package}=={version}\n"
        (tmp_path / "Dockerfile").write_text(probe)
        again = compat_for_dockerfile(tmp_path / "Dockerfile", PROFILE)
        claimed = re.search(r": (runs(?:-with-caveats)?) on (.+)$", text)
        assert claimed, text
        for group in again.groups:
            if group.name in claimed.group(2):
                assert group.verdict in ("runs", "runs-with-caveats"), (text, group.reasons)


@pytest.mark.engine
@pytest.mark.parametrize("image", CATALOG)
def test_verify_accepts_every_catalog_image(engine, image: str) -> None:  # type: ignore[no-untyped-def]
    """verify of the emulated catalog image (built from the same profile): its version claims,
    compat and imports pass; only the uid warnings may remain."""
    from imagesmith.services.verify import verify_image

    report = verify_image(engine, image, PROFILE)
    by_name = {c.name: c for c in report.checks}
    assert by_name["compat"].passed, by_name["compat"].details
    assert by_name["versions"].passed, by_name["versions"].details
    assert report.passed, [(c.name, c.summary) for c in report.checks if c.fails_verify]
