"""Hypothesis properties of the parsers: whatever the text, they answer or refuse, never crash.

Bounded (200 examples each, no deadline) so CI stays fast; the seeded corpus mutation run is
bench/fuzz_lint.py (a slice of it: test_mutants.py).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagesmith.core.errors import DockerfileParseError
from imagesmith.model import Scope, Unknown, build_model, expand
from imagesmith.parse.dockerfile import parse_nodes
from imagesmith.parse.jobscript import parse_job_script
from imagesmith.parse.shell import parse_shell

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces real Dockerfiles, shells and job scripts are made of, and the characters that broke
# imagesmith before (line breaks BuildKit does not split on, continuation at end of file).
_TOKENS = [
    "FROM ", "RUN ", "ARG ", "ENV ", "COPY ", "ADD ", "USER ", "WORKDIR ", "SHELL ", "ONBUILD ",
    "CMD ", "ENTRYPOINT ", "LABEL ", "HEALTHCHECK ", "# syntax=", "# escape=`", "# escape=\\",
    "AS b", "--from=b ", "--mount=type=cache,target=/x ", "<<EOF", "EOF", "x", "bit:5000/deepo_9",
    "${A}", "${A:-w}", "${A:+w}", "${A", "$A", "$(", ")", "`", "'", '"', "\\", "\n", "\r", "\r\n",
    "\f", "\x85", "\u2028", "\t", " ", "&&", "||", ";", "|", "{", "}", "[", "]", '["sh", "-c"]',
    "=", "==", "pip install torch==1.0", "conda install pytorch=e=cuda1.0", "9" * 40, "#PBS ",
    "#PBS -l nodes=1:gpus=1:S", "startdocker ", "-D ", "-s ", "-c ", "-u ", "-P ", "\x00", "é",
]
texts = st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=8)), max_size=40).map(
    "".join
)


@BOUNDED
@given(texts)
def test_parse_nodes_answers_or_refuses(text: str) -> None:
    try:
        nodes, _ = parse_nodes(text)
    except DockerfileParseError:
        return
    assert all(1 <= n.line <= n.end_line for n in nodes)


@BOUNDED
@given(texts)
def test_build_model_answers_or_refuses(text: str) -> None:
    try:
        model = build_model(text)
    except DockerfileParseError:
        return
    assert len(model.instructions) <= text.count("\n") + text.count("\r") + 1


@BOUNDED
@given(texts)
def test_parse_shell_never_raises(text: str) -> None:
    parse_shell(text)


_NAMES = st.sampled_from(["A", "B", "PATH", "HOME"])
scopes = st.builds(
    Scope,
    st.dictionaries(_NAMES, st.one_of(st.none(), texts), max_size=3),
)


@BOUNDED
@given(texts, scopes, st.sampled_from(["\\", "`"]), st.booleans())
def test_expand_never_raises(word: str, scope: Scope, escape: str, shell: bool) -> None:
    out = expand(word, scope, escape=escape, shell=shell)
    assert isinstance(out.text, str)


@BOUNDED
@given(texts)
def test_expand_with_unknown_fallback_never_raises(word: str) -> None:
    expand(word, Scope({}, Unknown("from the base image")))


@BOUNDED
@given(texts)
def test_parse_job_script_never_raises(text: str) -> None:
    parsed = parse_job_script(text)
    assert parsed.text == text
