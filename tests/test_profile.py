"""The cluster profile: bundled default, validation, extends, and selection order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagesmith.core.errors import ProfileError
from imagesmith.core.profile import load_profile, select_profile, split_image_ref
from tests.conftest import run_cli


def test_default_profile_describes_the_cluster() -> None:
    prof = load_profile("default")
    assert prof.registry == "bit:5000"
    assert {img.name for img in prof.catalog} == {
        "bit:5000/deepo", "bit:5000/deepo_9", "bit:5000/nvidia-tensorflow-17.05"}
    groups = {g.name: g for g in prof.node_groups}
    assert groups["G101-G125"].sm == "sm_61" and "1080 Ti" in groups["G101-G125"].gpu
    assert groups["G131-G144"].sm == "sm_37" and "K80" in groups["G131-G144"].gpu
    assert all(g.driver_source == "assumed" for g in prof.node_groups)
    assert prof.build.folder_name == "dockertmp"
    assert prof.jobs.cpu_limit_percent == 200 and not prof.jobs.uid_has_passwd_entry
    deepo9 = prof.find_image("bit:5000/deepo_9:latest")
    assert deepo9 is not None and deepo9.cuda == "9.0.176"
    assert deepo9.packages["tensorflow-gpu"] == "1.8.0" and deepo9.packages["torch"] == "0.4.0"
    assert deepo9.env["NVIDIA_REQUIRE_CUDA"] == "cuda>=9.0"


def test_profile_show_text_and_json() -> None:
    res = run_cli("profile", "show")
    assert res.exit_code == 0
    assert "bit:5000/deepo_9" in res.stdout and "(assumed)" in res.stdout
    assert "source:   bundled default" in res.stdout
    data = json.loads(run_cli("profile", "show", "--format", "json").stdout)
    assert data["source"] == "bundled default"
    assert data["profile"]["node_groups"][1]["compute_capability"] == "3.7"


def test_extends_overrides_one_group(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "default"\nname = "mine"\n'
                    '[[node_groups]]\nname = "G131-G144"\ndriver = "470.57.02"\ndriver_source = "detected"\n')
    prof = load_profile(str(mine))
    k80 = prof.group("G131-G144")
    assert k80 is not None and k80.driver == "470.57.02" and k80.driver_source == "detected"
    assert k80.gpu == "Tesla K80"  # inherited
    assert prof.group("G101-G125").driver_source == "assumed"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('extends = "default"\nregistry = ["a"]\n', "registry"),
        ('extends = "default"\n[jobs]\ncpu_limit_percent = "lots"\n', "jobs.cpu_limit_percent"),
        ('extends = "default"\n[jobs]\nbogus = 1\n', "jobs.bogus"),
        ('extends = "default"\n[[catalog]]\nname = "x/y"\ncuda = "nine"\n', "catalog[3].cuda"),
        ('name = "x"\nregistry = "r"\nnode_groups = []\n', "catalog"),
        ('this is = not toml', "not valid TOML"),
    ],
)
def test_validation_errors_name_the_key(tmp_path: Path, body: str, where: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(body)
    with pytest.raises(ProfileError) as exc:
        load_profile(str(bad))
    assert where in exc.value.one_line()


def test_selection_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAGESMITH_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    alt = tmp_path / "alt.toml"
    alt.write_text('extends = "default"\nname = "alt"\n')
    project = tmp_path / "proj" / "dockertmp"
    project.mkdir(parents=True)
    assert select_profile(None, project).source == "bundled default"

    (tmp_path / "proj" / "pyproject.toml").write_text('[tool.imagesmith]\nprofile = "../alt.toml"\n')
    assert select_profile(None, project).name == "alt"

    (project / "imagesmith.toml").write_text('profile = "default"\n')
    assert select_profile(None, project).name == "default"  # nearer config wins

    monkeypatch.setenv("IMAGESMITH_PROFILE", str(alt))
    assert select_profile(None, project).name == "alt"  # env beats project config
    assert select_profile("default", project).name == "default"  # --profile beats env


def test_user_profile_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    d = tmp_path / "imagesmith" / "profiles"
    d.mkdir(parents=True)
    (d / "lab.toml").write_text('extends = "default"\nname = "lab"\n')
    assert load_profile("lab").name == "lab"
    res = run_cli("profile", "list", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert "lab\tuser" in res.stdout and "default\tbundled" in res.stdout


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("bit:5000/deepo_9", ("bit:5000/deepo_9", None)),
        ("bit:5000/deepo_9:latest", ("bit:5000/deepo_9", "latest")),
        ("nvidia/cuda:9.0-cudnn7-devel", ("nvidia/cuda", "9.0-cudnn7-devel")),
        ("ubuntu@sha256:abc", ("ubuntu", "@sha256:abc")),
    ],
)
def test_split_image_ref(ref: str, expected: tuple[str, str | None]) -> None:
    assert split_image_ref(ref) == expected
