"""The build model: BuildKit's expansion, scoping and inheritance, and what the rules then say.

Semantics follow moby/buildkit frontend/dockerfile (shell/lex.go, dockerfile2llb/convert.go,
platform.go) and the Dockerfile reference ("Environment replacement", "ARG", "Scope",
"Automatic platform ARGs in the global scope").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from imagesmith.core.profile import load_profile
from imagesmith.model import Scope, Unknown, build_model, expand, model_for
from imagesmith.services.lint import LintOptions, lint_paths, lint_text

PROFILE = load_profile("default")


def codes(text: str, folder: Path | None = None, files: dict[str, str] | None = None) -> list[tuple[str, int]]:
    options = LintOptions(hadolint="off", use_config=False)
    if folder is not None:
        folder.mkdir(exist_ok=True)
        (folder / "Dockerfile").write_text(text, encoding="utf-8")
        for name, content in (files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if content.startswith("@symlink:"):
                path.symlink_to(content.split(":", 1)[1])
            else:
                path.write_text(content, encoding="utf-8")
        report = lint_paths([folder], PROFILE, options)
    else:
        report = lint_text(text, "Dockerfile", PROFILE, options)
    return sorted((f.code, f.line) for f in report.findings if f.code != "IS504")


# -- the lexer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "want"),
    [
        ("$A", "a"),
        ("${A}", "a"),
        ("${UNSET:-dflt}", "dflt"),
        ("${EMPTY:-dflt}", "dflt"),
        ("${EMPTY-dflt}", ""),
        ("${A:+alt}", "alt"),
        ("${UNSET:+alt}", ""),
        ("tqdm${V:+==${V}}", "tqdm==4.1"),
        ("tqdm${NOV:+==${NOV}}", "tqdm"),
        ("${A:-${B:-x}}", "a"),
        ('"file.tgz"', "file.tgz"),
        ("'$A'", "$A"),
        ('"$A b"', "a b"),
        ("\\$A", "$A"),
        ("${PATH_:-/usr/bin}:x", "/usr/bin:x"),
        ("${FILE%.tar.gz}", "cuda"),
        ("${FILE#cu}", "da.tar.gz"),
        ("${FILE/tar/zip}", "cuda.zip.gz"),
    ],
)
def test_expansion_as_buildkit(word: str, want: str) -> None:
    scope = Scope({"A": "a", "B": "b", "EMPTY": "", "V": "4.1", "FILE": "cuda.tar.gz"})
    got = expand(word, scope)
    assert got.error is None and got.text == want


def test_expansion_errors_are_values_not_exceptions() -> None:
    assert expand("${X:?must be set}", Scope()).error == "X: must be set"
    assert expand("${X", Scope()).error is not None
    assert expand('"open', Scope()).error is not None


def test_unknown_is_kept_and_reported() -> None:
    scope = Scope({}, fallback=Unknown("set by the base image"))
    got = expand("/opt/${HOME}/x", scope)
    assert got.text == "/opt/${HOME}/x" and [u.name for u in got.unknown] == ["HOME"]


def test_words_split_only_unquoted_expansions() -> None:
    scope = Scope({"PIP": "python -m pip install"})
    assert expand("$PIP", scope).words == ("python", "-m", "pip", "install")
    assert expand('"$PIP"', scope).words == ("python -m pip install",)


# -- scoping and inheritance --------------------------------------------------------------


def test_platform_args_in_from_and_stage_inheritance() -> None:
    m = build_model(
        "FROM nvidia/cuda:12.2.2-base-ubuntu22.04 AS base-amd64\n"
        'ENV NVIDIA_REQUIRE_CUDA="cuda>=12.2 brand=tesla,driver>=470,driver<471"\n'
        "FROM base-${TARGETARCH}\n"
        'SHELL ["/bin/bash", "-c"]\n'
        "USER 1000\nWORKDIR /opt\nWORKDIR app\n"
        "FROM 1\nRUN source /etc/profile\n"
    )
    final, middle = m.stages[2], m.stages[1]
    assert middle.base == "base-amd64" and middle.base_stage == 0
    assert final.base_stage == 1
    assert final.inherited_env["NVIDIA_REQUIRE_CUDA"].startswith("cuda>=12.2")
    run = m.stages[2].instructions[-1]
    assert run.shell == ("/bin/bash", "-c") and run.user == "1000" and run.workdir == "/opt/app"


def test_arg_scoping_before_and_after_from() -> None:
    m = build_model(
        "ARG V=1\nARG NODEF\nFROM scratch\nRUN echo $V $NODEF\nARG V\nARG W=$V-2\n"
        "RUN echo $V $W\nARG NODEF\nRUN echo $NODEF ${NODEF:-dflt}\n"
    )
    first, second, third = m.runs
    assert first.argv == ("echo",)  # global ARGs are visible in a stage only once declared there
    assert second.argv == ("echo", "1", "1-2")
    # no default: only --build-arg sets it; the admins' build passes none, so `:-` applies
    assert third.argv == ("echo", "$NODEF", "dflt")
    assert [u.name for u in third.unknown] == ["NODEF"]


def test_one_env_instruction_sees_the_values_before_it() -> None:
    m = build_model("FROM x\nENV A=1\nENV A=2 B=$A\n")
    assert dict(m.stages[0].env) == {"A": "2", "B": "1"}


def test_catalog_env_of_the_base_image() -> None:
    m = model_for("FROM bit:5000/deepo_9\nENV PATH=/opt/bin:$PATH\n", "Dockerfile", PROFILE)
    assert m.stages[0].env["PATH"].startswith("/opt/bin:/usr/local/nvidia/bin:")


def test_unknown_base_leaves_unlisted_names_unknown() -> None:
    m = build_model("FROM ubuntu:22.04\nRUN echo $CUDA_HOME\n")
    assert m.runs[0].argv == ("echo", "$CUDA_HOME") and m.runs[0].unknown


def test_run_shell_assignments_cd_and_export() -> None:
    m = build_model(
        'FROM x\nRUN PIP_INSTALL="python -m pip --no-cache-dir install --upgrade" && '
        "$PIP_INSTALL torch==2.8.0 && cd /src && export V=1 && pip install a==$V && unset V && "
        "echo ${V:-none}\n"
    )
    argvs = [rc.argv for rc in m.runs]
    assert ("python", "-m", "pip", "--no-cache-dir", "install", "--upgrade", "torch==2.8.0") in argvs
    assert ("pip", "install", "a==1") in argvs
    assert argvs[-1] == ("echo", "none")
    assert m.runs[-1].cwd == "/src"


def test_the_model_is_immutable() -> None:
    m = build_model("FROM x\n")
    with pytest.raises(AttributeError):
        m.context_dir = Path("/")  # type: ignore[misc]


# -- what the rules say, on the examples ------------------------------------------


def test_env_source_expands(tmp_path: Path) -> None:
    got = codes(
        "FROM bit:5000/deepo_9\nENV SRC=model.bin\nCOPY ${SRC} /opt/\n",
        tmp_path / "dockertmp", {"model.bin": "x"},
    )
    assert not [c for c in got if c[0] in ("IS104", "IS107")], got


def test_arg_absolute_source_is_is102(tmp_path: Path) -> None:
    got = codes(
        "FROM bit:5000/deepo_9\nARG SRC=/ghome/alice/data.zip\nCOPY ${SRC} .\n",
        tmp_path / "dockertmp",
    )
    assert ("IS102", 3) in got, got


def test_quoted_archive_source_is_is105(tmp_path: Path) -> None:
    import io
    import tarfile

    folder = tmp_path / "dockertmp"
    folder.mkdir()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("a.txt")
        tar.addfile(info, io.BytesIO(b""))
    (folder / "file.tgz").write_bytes(buf.getvalue())
    got = codes('FROM bit:5000/deepo_9\nADD "file.tgz" /usr/src/\n', folder)
    assert ("IS105", 2) in got and not [c for c in got if c[0] == "IS104"], got


def test_targetarch_from_is_not_is203() -> None:
    text = (
        "FROM bit:5000/deepo_9 AS base-amd64\nFROM base-${TARGETARCH}\n"
    )
    assert not [c for c in codes(text) if c[0] == "IS203"]


def test_inherited_shell_is_not_is606() -> None:
    text = (
        'FROM bit:5000/deepo_9 AS a\nSHELL ["/bin/bash", "-c"]\nFROM a\nRUN source /etc/profile\n'
    )
    assert not [c for c in codes(text) if c[0] == "IS606"]
    plain = "FROM bit:5000/deepo_9 AS a\nFROM a\nRUN source /etc/profile\n"
    assert ("IS606", 3) in codes(plain)


def test_tensorflow_conditional_pin_is_not_a_template() -> None:
    got = codes('FROM bit:5000/deepo_9\nARG V\nRUN pip install "tqdm${V:+==${V}}"\n')
    assert not [c for c in got if c[0] == "IS002"], got


def test_quiet_level_two_implies_yes() -> None:
    got = codes("FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install -q -q python\n")
    assert not [c for c in got if c[0] == "IS601"], got
    got = codes("FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install -q python\n")
    assert [c for c in got if c[0] == "IS601"], got


@pytest.mark.parametrize(
    "text",
    [
        "FROM x\n\\",  # a lone continuation at the end
        "FROM x\r\r\nRUN a\n",  # BuildKit splits lines at \n only
        "FROM x\n\fRUN a\n",
        "FROM x\n\x85RUN a\n",
        "FROM x\n\u2028RUN a\n",
        "FROM x\nRUN conda install pytorch=e=cuda1.0\n",  # a version that does not parse
        "FROM x\nARG A=" + "9" * 4301 + "\nRUN pip install torch==$A\n",  # past int()'s limit
    ],
)
def test_odd_input_is_linted_not_crashed(text: str) -> None:
    """Minimal inputs that used to exit 3 (fuzzed corpus mutants)."""
    options = LintOptions(hadolint="off", use_config=False)
    report = lint_text(text, "Dockerfile", PROFILE, options)
    assert report.findings and all(f.line <= text.count("\n") + 1 for f in report.findings)
