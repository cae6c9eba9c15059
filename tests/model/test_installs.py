"""The argv-level install extractor: pip, apt and conda calls read as each manager reads them.

Option tables come from pip's own source (cli/cmdoptions.py, commands/install.py), conda's
cli/helpers.py and apt-get(8); apt's prompt rules are checked against a real apt-get below.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import pytest

from imagesmith.model import build_model
from imagesmith.model.installs import (
    Action,
    InstallAction,
    InstallCommand,
    Manager,
    apt_call,
    read_install,
)
from tests.conftest import DEBIAN, SHARED


def cmd(line: str | Sequence[str], files: dict[str, str] | None = None,
        env: dict[str, str] | None = None) -> InstallCommand:
    argv = tuple(shlex.split(line)) if isinstance(line, str) else line
    found = read_install(argv, env, (files or {}).get)
    assert found is not None, line
    return found


def pkgs(line: str | Sequence[str], files: dict[str, str] | None = None,
         env: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    return [(a.name, a.version) for a in cmd(line, files, env).actions]


def one(line: str | Sequence[str], files: dict[str, str] | None = None) -> InstallAction:
    [action] = cmd(line, files).actions
    return action


# -- pip: programs and wrappers ---------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "pip install six==1.16.0",
    "pip3 install six==1.16.0",
    "pip3.6 install six==1.16.0",
    "/opt/conda/bin/pip install six==1.16.0",
    "python -m pip install six==1.16.0",
    "python3.6 -m pip install six==1.16.0",
    "/usr/bin/python3 -u -W ignore -m pip install six==1.16.0",
    "python3 -mpip install six==1.16.0",
    "sudo -u root -H pip install six==1.16.0",
    "env -i PATH=/usr/bin pip install six==1.16.0",
    "nice -n 10 timeout 600 pip install six==1.16.0",
    "conda run -n base --no-capture-output pip install six==1.16.0",
    "uv pip install --system six==1.16.0",
])
def test_every_way_of_running_pip_is_read(line: str) -> None:
    found = cmd(line)
    assert found.manager is Manager.PIP
    assert pkgs(line) == [("six", "1.16.0")]


def test_programs_that_install_nothing_are_none() -> None:
    assert read_install(("python3", "-c", "import pip")) is None
    assert read_install(("python3", "setup.py", "install")) is None
    assert read_install(("pipx", "install", "black")) is None  # its own venv, not the image's Python
    assert read_install(("make", "install")) is None
    assert cmd("pip download torch").actions == ()
    assert cmd("pip list").subcommand == "list"


def test_interpreter_is_kept() -> None:
    assert cmd("python3.6 -m pip install six").flags.interpreter == "python3.6"
    assert cmd("python3.6 -m pip install six").program == ("python3.6", "-m", "pip")


# -- pip: options ---------------------------------------------------------------------------------


def test_timeout_and_retries_values_are_not_packages() -> None:
    found = cmd("pip install --timeout 10 --retries 3 torch")
    assert pkgs("pip install --timeout 10 --retries 3 torch") == [("torch", None)]
    assert found.option_words == ("--timeout", "10", "--retries", "3")
    assert found.values("--timeout") == ("10",)


@pytest.mark.parametrize("line", [
    "pip install --index-url https://mirror/simple six",
    "pip install --index-url=https://mirror/simple six",
    "pip install -i https://mirror/simple six",
    "pip install -ihttps://mirror/simple six",
    "pip install --index https://mirror/simple six",  # optparse: unambiguous prefix
    "pip install six -i https://mirror/simple",  # options may follow packages
])
def test_value_option_forms(line: str) -> None:
    found = cmd(line)
    assert found.flags.index_url == "https://mirror/simple"
    assert pkgs(line) == [("six", None)]


@pytest.mark.parametrize("line", [
    "pip --no-cache-dir install six",
    "pip -q install six",
    "pip --isolated install six",
    "pip --proxy http://proxy:3128 install six",
    "pip --log /tmp/pip.log --timeout 60 install six",
    "pip -qqq --disable-pip-version-check install six",
])
def test_global_options_before_the_subcommand(line: str) -> None:
    found = cmd(line)
    assert found.subcommand == "install"
    assert pkgs(line) == [("six", None)]


def test_every_value_option_of_pip_install_keeps_its_value() -> None:
    # the value options of pip's install command and general group (pip 26 and removed ones)
    value_options = [
        "--python", "--progress-bar", "--log", "--keyring-provider", "--proxy", "--retries",
        "--resume-retries", "--timeout", "--exists-action", "--trusted-host", "--cert",
        "--client-cert", "--cache-dir", "--use-feature", "--use-deprecated", "--index-url",
        "--extra-index-url", "--find-links", "--constraint", "--build-constraint", "--editable",
        "--src", "--target", "--platform", "--python-version", "--implementation", "--abi",
        "--root", "--prefix", "--upgrade-strategy", "--group", "--config-settings",
        "--global-option", "--install-option", "--build-option", "--root-user-action",
        "--no-binary", "--only-binary", "--report", "--all-releases", "--only-final",
        "--uploaded-prior-to", "--build", "--download", "--allow-external", "--allow-unverified",
        "--requirements-from-script", "--refresh-package",
    ]
    for option in value_options:
        found = cmd(("pip", "install", option, "VALUE", "six"))
        assert [a.name for a in found.actions if a.source == "command" and a.spec == "six"] == ["six"], option
        assert "VALUE" not in found.operands, option


def test_flags_clusters_and_prefixes() -> None:
    found = cmd("pip install -qU --user --no-deps --force --pre six")
    assert found.flags.upgrade and found.flags.user and found.flags.no_deps
    assert found.flags.force_reinstall and found.flags.pre  # `--force` is --force-reinstall
    assert not cmd("pip install --user --no-user six").flags.user
    assert cmd("pip install --no-cache six").given("--no-cache-dir")


def test_pip_environment_variables() -> None:
    env = {"PIP_INDEX_URL": "https://mirror/simple", "PIP_EXTRA_INDEX_URL": "https://a https://b",
           "PIP_USER": "1"}
    found = cmd("pip install six", env=env)
    assert found.flags.index_url == "https://mirror/simple"
    assert found.flags.extra_index_urls == ("https://a", "https://b")
    assert found.flags.user
    assert cmd("pip install -i https://cli six", env=env).flags.index_url == "https://cli"


def test_specs_versions_constraints_extras_markers() -> None:
    found = cmd(["pip", "install", "torch==2.1.0", "numpy>=1.26,<2", "requests[socks,security]==2.31",
                 'typing_extensions; python_version < "3.8"', "scipy==1.*"])
    by_name = {a.name: a for a in found.actions}
    assert by_name["torch"].version == "2.1.0" and by_name["torch"].constraint == ""
    assert by_name["numpy"].version is None and by_name["numpy"].constraint == "<2,>=1.26"
    assert by_name["requests"].extras == ("security", "socks")
    assert by_name["typing_extensions"].marker == 'python_version < "3.8"'
    assert by_name["scipy"].version is None and by_name["scipy"].constraint == "==1.*"
    assert by_name["typing_extensions"].key == "typing-extensions"


def test_local_wheels_sdists_and_folders() -> None:
    assert (one("pip install ./x-1.0-py3-none-any.whl").name, one("pip install ./x-1.0-py3-none-any.whl").version) \
        == ("x", "1.0")
    wheel = one("pip install /tmp/tensorflow_gpu-1.4.0-cp36-cp36m-linux_x86_64.whl")
    assert (wheel.name, wheel.version, wheel.local) == ("tensorflow-gpu", "1.4.0",
                                                          "/tmp/tensorflow_gpu-1.4.0-cp36-cp36m-linux_x86_64.whl")
    assert (one("pip install pkg-2.3.tar.gz").name, one("pip install pkg-2.3.tar.gz").version) == ("pkg", "2.3")
    pattern = one("pip --no-cache-dir install --upgrade /pip_pkg/tensorflow-*.whl")  # tensorflow's own images
    assert pattern.name == "tensorflow" and pattern.version is None and "pattern" in (pattern.unknown or "")
    folder = one("pip install .")
    assert folder.name == "" and not folder.known
    project = {"./src/pyproject.toml": '[project]\nname = "mytool"\nversion = "0.3"\n'}
    assert (one("pip install -e ./src", project).name, one("pip install -e ./src", project).version) == ("mytool", "0.3")
    assert one("pip install -e ./src", project).flags.editable
    cfg = {"lib/setup.cfg": "[metadata]\nname = libby\nversion = attr: libby.__version__\n"}
    assert (one("pip install lib/", cfg).name, one("pip install lib/", cfg).version) == ("libby", None)


def test_url_installs() -> None:
    vcs = one("pip install git+https://github.com/facebookresearch/detectron2.git@v0.6#egg=detectron2")
    assert vcs.name == "detectron2" and vcs.version is None and vcs.url
    named = one(["pip", "install", "torch @ https://download.pytorch.org/whl/cu118/torch-2.1.0%2Bcu118-cp311-cp311-linux_x86_64.whl"])
    assert (named.name, named.version) == ("torch", "2.1.0+cu118")
    archive = one("pip install https://github.com/keras-team/keras/archive/master.zip")
    assert archive.name == "" and "fetching" in (archive.unknown or "")
    remote_wheel = one("pip install https://h/x/mxnet_cu90-1.5.0-py2.py3-none-manylinux1_x86_64.whl")
    assert (remote_wheel.name, remote_wheel.version) == ("mxnet-cu90", "1.5.0")


def test_unknown_words_are_unknown_not_dropped() -> None:
    found = cmd(("pip", "install", "$TORCH_PKG", "six"))
    assert [(a.name, a.known) for a in found.actions] == [("", False), ("six", True)]
    assert "$TORCH_PKG" in (found.actions[0].unknown or "")
    [stdin] = cmd("xargs -n1 pip install").actions
    assert not stdin.known and "xargs" in (stdin.unknown or "")
    [missing] = cmd("pip install -r").actions
    assert not missing.known


# -- pip: requirements files -----------------------------------------------------------------------


REQS = {
    "requirements.txt": (
        "# pinned\n"
        "--index-url https://mirror/simple\n"
        "numpy==1.26.4 --hash=sha256:abc \\\n"
        "    --hash=sha256:def\n"
        "scipy>=1.11 ; python_version >= \"3.9\"  # comment\n"
        "-r extra/more.txt\n"
        "-e git+https://github.com/a/b.git#egg=bee\n"
        "tqdm==${TQDM_VERSION}\n"
    ),
    "extra/more.txt": "torch==2.1.0\n-r ../missing.txt\n",
}


def test_requirements_files_as_pip_reads_them() -> None:
    found = cmd("pip install -r requirements.txt", REQS, {"TQDM_VERSION": "4.66.1"})
    got = [(a.name, a.version, a.source) for a in found.actions if a.known]
    assert got == [
        ("numpy", "1.26.4", "requirements file requirements.txt"),
        ("scipy", None, "requirements file requirements.txt"),
        ("torch", "2.1.0", "requirements file extra/more.txt"),
        ("bee", None, "requirements file requirements.txt"),
        ("tqdm", "4.66.1", "requirements file requirements.txt"),
    ]
    numpy = found.actions[0]
    assert numpy.hashes == ("sha256:abc", "sha256:def")
    assert found.flags.index_url == "https://mirror/simple"  # a file-wide option
    [unreadable] = [a for a in found.actions if not a.known]
    assert unreadable.source == "requirements file missing.txt"
    assert "cannot be read" in (unreadable.unknown or "")


def test_requirements_file_variables_and_unreadable_files() -> None:
    unset = cmd("pip install -r requirements.txt", REQS)
    assert not [a for a in unset.actions if a.spec.startswith("tqdm")][0].known
    [absent] = cmd("pip install --requirement=/nope.txt").actions
    assert absent.source == "requirements file /nope.txt" and not absent.known


def test_constraints_and_self_including_files() -> None:
    files = {"c.txt": "numpy==1.26.4\n", "loop.txt": "six\n-r loop.txt\n"}
    found = cmd("pip install -c c.txt numpy", files)
    assert [(a.name, a.version) for a in found.actions] == [("numpy", None)]
    assert [(a.name, a.version) for a in found.constraints] == [("numpy", "1.26.4")]
    looped = cmd("pip install -r loop.txt", files)
    assert [a.name for a in looped.actions if a.known] == ["six"]
    assert any("includes itself" in (a.unknown or "") for a in looped.actions)


def test_pip_uninstall() -> None:
    found = cmd("pip uninstall -y tensorflow tensorboard")
    assert [(a.action, a.name) for a in found.actions] == [(Action.UNINSTALL, "tensorflow"),
                                                           (Action.UNINSTALL, "tensorboard")]
    assert found.prompts is False
    assert cmd("pip uninstall tensorflow").prompts is True  # "Proceed (Y/n)?" with no terminal
    assert [a.name for a in cmd("pip uninstall -y -r r.txt", {"r.txt": "a\nb\n"}).actions] == ["a", "b"]


# -- apt ------------------------------------------------------------------------------------------


def test_apt_operands() -> None:
    found = cmd(("apt-get", "install", "-y", "--no-install-recommends", "curl=7.88.1-10+deb12u5",
                 "python3/bookworm-backports", "libc6:i386", "./local_2.0-1_amd64.deb", "vim-",
                 "python3.*", "$(cat /tmp/packages)"))
    got = [(a.action, a.name, a.version, a.channel, a.arch, a.known) for a in found.actions]
    assert got == [
        (Action.INSTALL, "curl", "7.88.1-10+deb12u5", None, None, True),
        (Action.INSTALL, "python3", None, "bookworm-backports", None, True),
        (Action.INSTALL, "libc6", None, None, "i386", True),
        (Action.INSTALL, "local", "2.0-1", None, "amd64", True),
        (Action.REMOVE, "vim", None, None, None, True),  # `install vim-` removes vim
        (Action.INSTALL, "", None, None, None, False),
        (Action.INSTALL, "", None, None, None, False),
    ]
    assert found.flags.no_install_recommends


def test_apt_actions() -> None:
    assert [a.action for a in cmd("apt-get remove -y a b+").actions] == [Action.REMOVE, Action.INSTALL]
    assert [a.action for a in cmd("apt-get purge -y a").actions] == [Action.PURGE]
    assert [a.action for a in cmd("apt-get remove --purge -y a").actions] == [Action.PURGE]
    assert [a.action for a in cmd("apt-get autoremove -y a").actions] == [Action.REMOVE]
    assert [a.action for a in cmd("apt-get install --only-upgrade -y a").actions] == [Action.UPGRADE]
    assert cmd("apt-get update").actions == ()
    assert not cmd("apt-get install -y a=not_a_version!").actions[0].known
    assert cmd("apt-get -t buster-backports install -y a").flags.target_release == "buster-backports"


@pytest.mark.parametrize("line, yes", [
    ("apt-get install x", False),
    ("apt-get install -y x", True),
    ("apt-get install --yes x", True),
    ("apt-get install --assume-yes x", True),
    ("apt-get -qy install x", True),
    ("apt-get -yqq install x", True),
    ("apt-get -qq install x", True),  # quiet level 2 implies -y (apt-get(8))
    ("apt-get -q -q install x", True),
    ("apt-get -q=2 install x", True),
    ("apt-get --quiet=2 install x", True),
    ("apt-get -q install x", False),
    ("apt-get -q -q=1 install x", False),
    ("apt-get -o quiet=2 install x", True),
    ("apt-get -oAPT::Get::Assume-Yes=1 install x", True),
    ("apt-get -o=APT::Get::Assume-Yes=true install x", True),
    ("apt-get --option=APT::Get::Assume-Yes=yes install x", True),
    ("apt-get -y -o APT::Get::Assume-Yes=0 install x", False),
    ("apt-get -y --yes=no install x", False),
    ("apt-get --no-yes install x", False),
    ("apt-get --force-yes install x", False),
    ("apt -qq install x", False),  # apt: quiet does not answer the prompt
    ("apt -y install x", True),
    ("aptitude -y install x", True),
])
def test_apt_assume_yes(line: str, yes: bool) -> None:
    call = apt_call(shlex.split(line))
    assert call is not None
    assert call.assumes_yes is yes
    assert call.prompts is (not yes)
    assert call.action == "install"


def test_apt_unknown_config_and_no_prompt_cases() -> None:
    assert apt_call(shlex.split("apt-get -c /etc/apt/custom.conf install x")).prompts is None  # type: ignore[union-attr]
    assert apt_call(shlex.split("apt-get -s install x")).prompts is False  # type: ignore[union-attr]
    assert apt_call(shlex.split("apt-get update")).prompts is False  # type: ignore[union-attr]
    assert apt_call(("pip", "install", "x")) is None
    call = apt_call(shlex.split("apt-get -o Dpkg::Options::=--force-confold -y install a"))
    assert call is not None and call.options["--option"] == ("Dpkg::Options::=--force-confold",)
    assert call.operands == ("a",) and "--yes" in call.flags


def test_apt_prompt_rules_match_a_real_apt_get(engine) -> None:  # noqa: ANN001 - fixture
    """Each option form against apt-get itself: Debug::pkgDPkgPM prints dpkg's calls instead of
    running them, so one container answers them all; stdin is closed as in `docker build`."""
    forms = ["", "-y", "-qq", "-q -q", "-q=2", "-q", "--force-yes", "-o quiet=2",
             "-oAPT::Get::Assume-Yes=1", "-y --yes=no", "--no-yes", "-qy", "-y -o APT::Get::Assume-Yes=0"]
    script = "".join(
        f"apt-get -o Debug::pkgDPkgPM=1 {form} remove ca-certificates </dev/null >/tmp/out 2>&1;"
        f" echo \"{i}:$(grep -c 'continue?' /tmp/out)\";"
        for i, form in enumerate(forms)
    ) + "apt -o Debug::pkgDPkgPM=1 -qq remove ca-certificates </dev/null >/tmp/out 2>&1;" \
        " echo \"apt:$(grep -c 'continue?' /tmp/out)\""
    result = engine.run(DEBIAN, ["sh", "-c", script], timeout=120)
    asked = dict(line.split(":") for line in result.stdout.split())
    for i, form in enumerate(forms):
        call = apt_call(("apt-get", *shlex.split(form), "remove", "ca-certificates"))
        assert call is not None
        assert call.prompts is (asked[str(i)] == "1"), form
    apt = apt_call(("apt", "-qq", "remove", "ca-certificates"))
    assert apt is not None and apt.prompts is (asked["apt"] == "1")


# -- conda ----------------------------------------------------------------------------------------


def test_conda_specs() -> None:
    found = cmd(("conda", "install", "-y", "-c", "pytorch", "-c", "conda-forge", "pytorch=1.0",
                 "pytorch::torchvision==0.2.1", "numpy>=1,<2", "mkl=2019.1=144", "blas 1.0 mkl",
                 "cuda90", "conda-forge::blas=*=openblas", "pytorch=e=cuda1.0"))
    got = [(a.name, a.version, a.constraint, a.channel, a.build, a.known) for a in found.actions]
    assert got == [
        ("pytorch", None, "1.0*", None, None, True),  # conda: `=1.0` is the 1.0 series
        ("torchvision", "0.2.1", "", "pytorch", None, True),
        ("numpy", None, ">=1,<2", None, None, True),
        ("mkl", "2019.1", "", None, "144", True),
        ("blas", "1.0", "", None, "mkl", True),
        ("cuda90", None, "", None, None, True),
        ("blas", None, "", "conda-forge", "openblas", True),  # jupyter/docker-stacks
        ("pytorch", None, "", None, None, False),
    ]
    assert found.flags.channels == ("pytorch", "conda-forge")
    assert found.assumes_yes and not found.prompts


def test_conda_subcommands_options_and_files() -> None:
    files = {"spec.txt": "# conda list --export\nnumpy=1.26\nscipy==1.11.0\n"}
    created = cmd("conda create -n py36 python=3.6 --file spec.txt --file missing.txt", files)
    assert created.flags.env_name == "py36"
    assert [(a.name, a.source, a.known) for a in created.actions] == [
        ("python", "command", True), ("numpy", "conda file spec.txt", True),
        ("scipy", "conda file spec.txt", True), ("", "conda file missing.txt", False)]
    assert created.prompts  # no -y: "Proceed ([y]/n)?"
    assert [a.action for a in cmd("conda remove -y x").actions] == [Action.REMOVE]
    assert [a.action for a in cmd("conda update -y x").actions] == [Action.UPGRADE]
    assert [a.name for a in cmd("micromamba install -y -n base -f spec.txt", files).actions] == ["numpy", "scipy"]
    assert [a.name for a in cmd("conda install -cpytorch --yes pytorch").actions] == ["pytorch"]
    assert cmd("conda install x", env={"CONDA_ALWAYS_YES": "true"}).prompts is False
    [env_file] = cmd("conda env create -f environment.yml").actions
    assert not env_file.known and env_file.source == "conda file environment.yml"
    assert not cmd(("conda", "install", "$PKGS")).actions[0].known


# -- real Dockerfiles through the build model -------------------------------------------------------


DEEPO = SHARED / "corpus" / "files" / "ufoym__deepo__docker__Dockerfile.all-py36-cu90"


@pytest.mark.skipif(not DEEPO.is_file(), reason="shared corpus not present")
def test_deepo_idiom_through_the_build_model() -> None:
    """`PIP_INSTALL="python -m pip --no-cache-dir install --upgrade" && $PIP_INSTALL ...`:
    the build model expands the variable, the extractor reads the argv it gives."""
    model = build_model(DEEPO.read_text(encoding="utf-8"), str(DEEPO))
    calls = [c for rc in model.runs if (c := read_install(rc.argv, rc.env)) is not None]
    pip_calls = [c for c in calls if c.manager is Manager.PIP and c.subcommand == "install"]
    assert pip_calls and all(c.program == ("python", "-m", "pip") for c in pip_calls)
    assert all(c.flags.upgrade and c.given("--no-cache-dir") for c in pip_calls)
    names = {a.name for c in pip_calls for a in c.actions}
    assert {"numpy", "tensorflow-gpu", "mxnet-cu90", "cntk-gpu", "torch_nightly"} <= names
    torch = next(c for c in pip_calls if any(a.name == "torch_nightly" for a in c.actions))
    assert torch.flags.find_links == ("https://download.pytorch.org/whl/nightly/cu90/torch_nightly.html",)
    apt = [c for c in calls if c.manager is Manager.APT and c.subcommand == "install"]
    assert apt and all(c.flags.no_install_recommends and c.prompts is False for c in apt)
    unreadable = [a for c in pip_calls for a in c.actions if not a.known]
    assert any("requirements.txt" in a.source for a in unreadable)  # caffe's, cloned in the image


def test_real_command_lines_from_the_corpus() -> None:
    # Kaggle docker-python, cupy, RAPIDS, tensorflow: as written upstream
    assert pkgs("pip install --no-cache-dir cudf-cu11==23.4.1 dask-cudf-cu11==23.4.1 "
                "--extra-index-url=https://pypi.nvidia.com") == [("cudf-cu11", "23.4.1"), ("dask-cudf-cu11", "23.4.1")]
    found = cmd("pip install --system --force-reinstall --no-cache --no-deps torchtune")  # uv-style --system
    assert [a.name for a in found.actions] == ["torchtune"] and found.flags.no_deps
    assert pkgs(["pip", "install", "-U", "numpy==2.0.*", "cython==3.2.*,!=3.2.6"]) == [
        ("numpy", None), ("cython", None)]
    assert pkgs("pip install --no-cache-dir --pre mxnet -f https://dist.mxnet.io/python/all") == [("mxnet", None)]


def test_record_round_trip_keeps_option_values_with_their_options() -> None:
    """`record` used to write `RUN pip install --no-cache-dir --timeout --retries 10 3 torch==2.1.0`."""
    from imagesmith.record.generate import BaseInfo, build_plan
    from imagesmith.record.journal import Command, Journal
    from imagesmith.record.snapshots import PackageSnapshot

    t0 = 1_800_000_000_000_000
    journal = Journal(None, [Command(1, "pip install --timeout 10 --retries 3 torch", 0, "/", "/", {},
                                     t0, t0 + 2_000_000)], start={"type": "start", "env": {}})
    plan = build_plan(journal, BaseInfo("imagesmith/debian:bookworm"), changes=None,
                      start=PackageSnapshot(), end=PackageSnapshot(pip={"torch": "2.1.0"}))
    runs = [line for line in plan.dockerfile.splitlines() if line.startswith("RUN ")]
    assert runs == ["RUN pip install --no-cache-dir --timeout 10 --retries 3 torch==2.1.0"]


def test_options_round_trip_through_option_words() -> None:
    line = "pip --proxy http://p:3128 install -qU -r reqs.txt --timeout=10 -ihttps://m/simple six"
    found = cmd(line)
    assert found.option_words == ("--proxy", "http://p:3128", "-qU", "-r", "reqs.txt", "--timeout=10",
                                  "-ihttps://m/simple")
    assert found.operands == ("six",)
