"""imagesmith's verdicts against cases from hadolint's and BuildKit's test suites.

Each case says what the real semantics call for (`expect`); a case imagesmith gets wrong
today carries `xfail_reason` and runs as a strict xfail, so a fix turns it red until the
marker is removed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from imagesmith.core.profile import load_profile
from imagesmith.rules.registry import all_rules
from tests.secondopinion.corpus import (
    CASES_DIR,
    CaseError,
    Verdict,
    _parse,
    copy_case,
    judge,
    load_cases,
)

PROFILE = load_profile("default")
CASES = load_cases()


def _param(case):  # type: ignore[no-untyped-def]
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail_reason)] if case.xfail_reason else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    verdict = judge(case, PROFILE, tmp_path)
    assert verdict.input_error is None, verdict.explain()
    assert verdict.agrees, verdict.explain() + f" -- {case.why}"


def test_corpus_size_and_balance() -> None:
    assert len(CASES) >= 150
    by_expect = Counter(c.expect for c in CASES)
    assert by_expect["fire"] >= 50 and by_expect["quiet"] >= 50, by_expect
    known = {r.code for r in all_rules()}
    for case in CASES:
        assert case.rule in known, f"{case.id}: no rule {case.rule}"
        assert case.upstream.split()[0] in ("hadolint", "BuildKit"), case.id
    for rule in {c.rule for c in CASES}:
        kinds = {c.expect for c in CASES if c.rule == rule}
        assert kinds == {"fire", "quiet"}, f"{rule} has only {kinds} cases"


def test_judge_can_disagree(tmp_path: Path) -> None:
    """The harness is able to fail: a case whose expectation is inverted disagrees."""
    case = next(c for c in CASES if c.id == "hadolint/dl3014-install-no-y")
    inverted = Verdict(case.__class__(**{**case.__dict__, "expect": "quiet", "line": None}),
                       judge(case, PROFILE, tmp_path).findings)
    assert not inverted.agrees


def test_parse_error_is_never_a_pass(tmp_path: Path) -> None:
    """A case the parser rejects has no verdict: quiet must not pass by default."""
    folder = tmp_path / "cases" / "x" / "broken"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text("RUN apt-get install -y curl\n", encoding="utf-8")
    (folder / "expect.toml").write_text(
        'upstream = "hadolint t"\nrule = "IS601"\nexpect = "quiet"\nwhy = "w"\n', encoding="utf-8"
    )
    verdict = judge(_parse(folder), PROFILE, tmp_path)
    assert verdict.input_error is not None and not verdict.agrees


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('rule = "IS601"\nexpect = "fire"\nwhy = "w"\n', "missing ['upstream']"),
        ('upstream = "u"\nrule = "IS601"\nexpect = "maybe"\nwhy = "w"\n', "expect must be"),
        ('upstream = "u"\nrule = "IS601"\nexpect = "quiet"\nline = 2\nwhy = "w"\n', "`line`"),
        ('upstream = "u"\nrule = "IS601"\nexpect = "fire"\nwhy = "w"\nxfial = "t"\n', "unknown"),
    ],
)
def test_malformed_expect_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    (tmp_path / "expect.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _parse(tmp_path)


def test_cases_dir_is_the_one_read() -> None:
    assert all(c.folder.is_relative_to(CASES_DIR) for c in CASES)


ENGINE_CASES = [c for c in CASES if c.engine]


@pytest.mark.engine
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in ENGINE_CASES])
def test_engine_agrees_with_case(case, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The build-folder cases' semantics, checked on the real engine: the COPY/ADD that the
    case says cannot work fails the build, the ones that can work build."""
    events = list(engine.build(copy_case(case, tmp_path), nocache=True))
    errors = [e.text for e in events if e.kind == "error"]
    for image in (e.image_id for e in events if e.kind == "done" and e.image_id):
        engine.remove_image(image)
    assert ("fails" if errors else "builds") == case.engine, errors


def test_engine_cases_cover_both_outcomes() -> None:
    assert {c.engine for c in ENGINE_CASES} == {"fails", "builds"}
    assert len(ENGINE_CASES) >= 20
