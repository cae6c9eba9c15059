"""The parsing layer other services build on: instructions, stages, shell words, installs."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagesmith.analysis.installs import archives, downloads, package_installs, run_commands
from imagesmith.core.errors import DockerfileParseError
from imagesmith.model import build_model
from imagesmith.parse.pragmas import suppressions
from imagesmith.parse.shell import parse_shell
from tests.lint.helpers import make_tar

MODERN = """\
# syntax=docker/dockerfile:1.7
ARG REGISTRY=bit:5000
ARG TAG
FROM ${REGISTRY}/deepo_9 AS build
ENV CUDA_HOME=/usr/local/cuda PATH=/usr/local/cuda/bin:$PATH
COPY --parents --exclude=*.pyc --chmod=755 --link src/ /opt/
ADD --checksum=sha256:abc https://example.org/x.tar.gz /tmp/
RUN <<EOF
set -e
apt-get update
EOF
FROM build
ARG REGISTRY
RUN echo $REGISTRY
FROM ubuntu:${TAG:-18.04}
"""


def test_modern_syntax_stages_flags_heredocs() -> None:
    p = build_model(MODERN, "Dockerfile")
    assert [s.base for s in p.stages] == ["bit:5000/deepo_9", "build", "ubuntu:18.04"]
    assert p.stages[0].name == "build" and p.stages[1].base_stage == 0
    assert p.global_args == {"REGISTRY": "bit:5000", "TAG": None}
    assert p.stages[0].env == {"CUDA_HOME": "/usr/local/cuda", "PATH": "/usr/local/cuda/bin:$PATH"}
    assert p.stages[1].inherited_env["CUDA_HOME"] == "/usr/local/cuda"
    assert p.stages[1].args == {"REGISTRY": "bit:5000"}
    copy = p.of("COPY")[0]
    assert copy.flag("chmod") == "755" and copy.flag("link") == ""
    assert copy.flag_values("exclude") == ["*.pyc"]
    heredoc_run = p.of("RUN")[0]
    assert (heredoc_run.line, heredoc_run.end_line) == (8, 11)
    assert heredoc_run.shell_script == "set -e\napt-get update\n"
    assert p.comments[0] == (1, "# syntax=docker/dockerfile:1.7")
    assert all(i.stage == 0 for i in p.stages[0].instructions)


def test_parse_error_is_an_input_error() -> None:
    with pytest.raises(DockerfileParseError):
        build_model("FROM a\nRUN <<EOF\nno end\n", "x/Dockerfile")


def test_shell_words_with_fallback() -> None:
    script = parse_shell(
        "sudo apt-get install -y a=1 && pip install 'b>=2' ; echo $(ls) > /root/.bashrc"
    )
    assert script.exact
    top = [c for c in script.commands if not c.in_substitution]
    assert [c.effective().argv for c in top] == [
        ("apt-get", "install", "-y", "a=1"),
        ("pip", "install", "b>=2"),
        ("echo", "$(ls)"),
    ]
    assert top[-1].redirects == ("/root/.bashrc",)
    fallback = parse_shell("[[ -f x ]] && source /y; apt install z")
    assert not fallback.exact
    assert [c.name for c in fallback.commands][-2:] == ["source", "apt"]


def test_package_installs_and_lines() -> None:
    text = (
        "FROM bit:5000/deepo_9\n"
        "ENV TF=1.8.0\n"
        "RUN python3 -m pip install --no-cache-dir 'torch>=1.0' jax[cuda]==0.4.1 tensorflow-gpu==$TF && \\\n"
        "    conda install -y -c pytorch pytorch=1.2 cudatoolkit==10.0 && \\\n"
        "    apt-get install -y --no-install-recommends cuda-libraries-10-0=10.0.130-1 vim\n"
    )
    got = {
        (i.manager, i.name, i.version, i.constraint, i.line)
        for i in package_installs(build_model(text))
    }
    assert got == {
        ("pip", "torch", None, ">=1.0", 3),
        ("pip", "jax", "0.4.1", "", 3),
        ("pip", "tensorflow-gpu", "1.8.0", "", 3),
        ("conda", "pytorch", None, "1.2*", 4),  # conda's `=1.2` is the 1.2 series
        ("conda", "cudatoolkit", "10.0", "", 4),
        ("apt", "cuda-libraries-10-0", "10.0.130-1", "", 5),
        ("apt", "vim", None, "", 5),
    }


def test_requirements_file_from_the_context(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy==1.14.3\n# c\nscipy>=1\n-e .\n")
    p = build_model(
        "FROM x\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        context_dir=tmp_path,
    )
    got = {(i.name, i.version, i.source) for i in package_installs(p)}
    assert got == {("numpy", "1.14.3", "requirements file requirements.txt"),
        ("scipy", None, "requirements file requirements.txt"),}


def test_downloads_and_archives_by_content(tmp_path: Path) -> None:
    make_tar(tmp_path / "cuda8-cudnn5.tar")
    (tmp_path / "fake.tar").write_text("not a tar")
    text = (
        "FROM x\nADD cuda8-cudnn5.tar /tmp/\nADD fake.tar /tmp/\nCOPY cuda8-cudnn5.tar /o/\n"
        "ADD https://example.org/a.tgz /tmp/\n"
        "RUN curl -fsSL -o /tmp/m.sh https://repo.anaconda.com/m.sh && "
        "git clone --depth 1 https://github.com/x/y\n"
    )
    p = build_model(text)
    found = {(a.source, a.line, a.extracted, a.by_content) for a in archives(p, tmp_path)}
    assert found == {("cuda8-cudnn5.tar", 2, True, True), ("cuda8-cudnn5.tar", 4, False, True)}
    assert [(d.tool, d.url) for d in downloads(p)] == [
        ("ADD", "https://example.org/a.tgz"),
        ("curl", "https://repo.anaconda.com/m.sh"),
        ("git", "https://github.com/x/y"),
    ]


def test_command_lines_in_continued_run() -> None:
    text = "FROM x\nRUN apt-get update && \\\n    apt-get install -y a && \\\n    apt-get install -y b\n"
    lines = [(rc.line, rc.argv[-1]) for rc in run_commands(build_model(text))]
    assert lines == [(2, "update"), (3, "a"), (4, "b")]


def test_pragmas_scope_without_off_by_one() -> None:
    text = (
        "# imagesmith: ignore-file=IS504 -- whole file\n"
        "FROM a AS one\n"
        "# imagesmith: ignore=IS601 -- next only\n"
        "RUN apt-get install x\n"
        "RUN apt-get install y\n"
        "# imagesmith: ignore-stage=IS201 -- second stage\n"
        "FROM b AS two\n"
        "RUN true\n"
    )
    sups = {(s.codes, s.first_line, s.last_line) for s in suppressions(build_model(text))}
    assert sups == {(("IS504",), 1, 8), (("IS601",), 4, 4), (("IS201",), 7, 8)}
