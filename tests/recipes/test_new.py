"""`imagesmith new`: recipes load and validate, parameters, GPU names, the chooser, writing."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib

from imagesmith.bundle.request import load_request_meta
from imagesmith.core.errors import ConfigError, UserInputError
from imagesmith.core.profile import load_profile
from imagesmith.recipe.choose import NoCompatibleChoice, Option, Verdict, choose
from imagesmith.recipe.gpus import resolve_groups
from imagesmith.recipe.loader import load_recipe_file, recipe_paths
from imagesmith.services.new import plan_new
from imagesmith.verify.smoke import load_tests

from .conftest import DATA

PIP = ["packages=six==1.16.0"]


@pytest.fixture(scope="module")
def profile():  # type: ignore[no-untyped-def]
    return load_profile("default")


def test_list_prints_one_line_per_recipe(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("new", "--list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(recipe_paths())
    assert {"pip-extras", "pytorch", "tensorflow", "conda-env", "requirements"} <= set(
        recipe_paths()
    )


def test_bad_recipe_names_file_and_key(tmp_path: Path) -> None:
    good = (recipe_paths()["pip-extras"]).read_text()
    bad = tmp_path / "pip-extras.toml"
    bad.write_text(good.replace('kind = "list"', 'kind = "lsit"'))
    with pytest.raises(ConfigError) as err:
        load_recipe_file(bad)
    assert "parameters.packages.kind" in err.value.one_line()
    assert str(bad) in err.value.one_line()
    bad.write_text(good + '\n[[tests]]\nname = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_recipe_file(bad)
    assert "tests[2].run: required key is missing" in err.value.one_line()


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("1080ti", ["G101-G125"]),
        ("k80", ["G131-G144"]),
        ("K80,1080Ti", ["G101-G125", "G131-G144"]),
        ("G131-G144", ["G131-G144"]),
        ("all", ["G101-G125", "G131-G144"]),
        (None, ["G101-G125", "G131-G144"]),
    ],
)
def test_gpu_names_map_to_node_groups(profile, spec, expected) -> None:  # type: ignore[no-untyped-def]
    assert [g.name for g in resolve_groups(spec, profile)] == expected


def test_unknown_gpu_is_an_input_error(profile) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError) as err:
        resolve_groups("p100", profile)
    assert "p100" in err.value.one_line() and "G131-G144 (Tesla K80)" in err.value.one_line()


@pytest.mark.parametrize(
    "sets,message",
    [
        (["packages=six"], "'six' is not pinned"),
        (["packages=six>=1.0"], "not pinned"),
        (PIP + ["colour=red"], "has no parameter 'colour'"),
        (PIP + ["base=bit:5000/nope"], "not in the catalog"),
        ([], "needs --set packages"),
    ],
)
def test_bad_parameters_are_input_errors(profile, sets, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError, match=message):
        plan_new("pip-extras", profile, sets=sets)


def test_missing_requirements_file(profile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError, match="file not found"):
        plan_new("requirements", profile, sets=[f"requirements={tmp_path / 'none.txt'}"])


def test_requested_base_and_version_are_honoured(profile) -> None:  # type: ignore[no-untyped-def]
    plan = plan_new("tensorflow", profile, sets=["base=bit:5000/nvidia-tensorflow-17.05"])
    assert plan.choice.option.base.name == "bit:5000/nvidia-tensorflow-17.05"
    dockerfile = plan.files["Dockerfile"].decode()
    # The base image states its TensorFlow version in ENV; the request keeps it true.
    assert f"ENV TENSORFLOW_VERSION={plan.choice.option.build.version}" in dockerfile
    older = plan_new("tensorflow", profile, gpu="k80", sets=["tensorflow=1.8.0"])
    assert older.framework == "tensorflow-gpu==1.8.0"
    assert older.choice.option.base.name == "bit:5000/deepo_9"


def test_cli_writes_folder_and_refuses_to_overwrite(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "dockertmp"
    first = cli(
        "new", "requirements", "--set", f"requirements={DATA / 'requirements.txt'}", "-o", str(out)
    )
    assert first.exit_code == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "Dockerfile",
        "imagesmith.toml",
        "requirements.txt",
    ]
    assert (out / "requirements.txt").read_bytes() == (DATA / "requirements.txt").read_bytes()
    config = tomllib.loads((out / "imagesmith.toml").read_text())
    assert [t["expect_stdout"] for t in config["tests"]][1:] == [
        "Version: 1.16.0",
        "Version: 4.66.1",
    ]
    # `package` reads [request] (the user fills in who asks) and `verify` reads [[tests]].
    assert load_request_meta(None, out).missing() == ["name", "student_id", "supervisor"]
    assert [t.name for t in load_tests(out)][0] == "python starts as the job uid"

    again = cli("new", "pip-extras", "--set", "packages=six==1.16.0", "-o", str(out))
    assert again.exit_code == 2 and "not empty" in again.stderr and "--force" in again.stderr
    assert (out / "requirements.txt").exists()

    forced = cli(
        "new",
        "pip-extras",
        "--set",
        "packages=six==1.16.0",
        "-o",
        str(out),
        "--force",
        "--format",
        "json",
    )
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Dockerfile", "imagesmith.toml"]
    assert [p.name for p in tmp_path.iterdir()] == ["dockertmp"]  # no temp folders left behind


def test_bad_input_writes_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "dockertmp"
    result = cli("new", "pip-extras", "--set", "packages=six", "-o", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_chooser_names_the_blocking_group(profile) -> None:  # type: ignore[no-untyped-def]
    groups = profile.node_groups
    deepo_9, deepo = profile.catalog[0], profile.catalog[1]

    def evaluate(option: Option) -> dict[str, Verdict]:
        k80 = Verdict("fails", ["no sm_37 code"]) if option.base is deepo_9 else Verdict("runs")
        gtx = Verdict("fails", ["driver too old"]) if option.base is deepo else Verdict("runs")
        return {"G101-G125": gtx, "G131-G144": k80}

    with pytest.raises(NoCompatibleChoice) as err:
        choose([Option(deepo_9), Option(deepo)], groups, evaluate)
    text = err.value.one_line()
    assert "G131-G144 (Tesla K80) blocks bit:5000/deepo_9: no sm_37 code" in text
    assert err.value.best == {"G101-G125": "bit:5000/deepo_9", "G131-G144": "bit:5000/deepo"}
    # With one group it simply takes the first option that runs there.
    assert choose([Option(deepo_9), Option(deepo)], groups[1:], evaluate).option.base is deepo


def test_shell_words_survive_quoting(profile) -> None:  # type: ignore[no-untyped-def]
    import shlex

    tricky = "six==1.16.0; python_version >= '3' and sys_platform != \"win32\""
    plan = plan_new("pip-extras", profile, sets=[f"packages={tricky}", "packages=a[b]==1.0"])
    text = plan.files["Dockerfile"].decode().replace("\\\n", " ")
    run = next(line for line in text.splitlines() if line.startswith("RUN "))
    assert shlex.split(run[len("RUN ") :])[-2:] == [tricky, "a[b]==1.0"]
