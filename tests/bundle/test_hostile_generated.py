"""The generated hostile-bundle set (hostile_set.py, 213 bundles) through `review`: none exits 3
or prints a traceback, every refusal is exit 2 on one line naming the member, nothing is left in
the temp folder or written outside it. bench/hostile_review.py runs the same set in real
processes; this runs it in-process so that CI can afford it every time."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from imagesmith.cli.main import run
from tests.bundle.hostile_set import Case, cases

CASES = cases()
ACCEPTABLE = {"request field forges a verdict"}  # a well-formed bundle: judged, its text escaped


@pytest.mark.parametrize("case", CASES, ids=[c.name.encode("unicode_escape").decode() for c in CASES])
def test_hostile_bundle(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    bundle = case.write(tmp_path / "bundle.tar.gz")
    sandbox = tmp_path / "tmpdir"
    sandbox.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(sandbox))
    monkeypatch.chdir(tmp_path)
    code = run(["review", str(bundle)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert list(sandbox.iterdir()) == [], "review left files in its temp folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.tar.gz", "tmpdir"]
    if case.name in ACCEPTABLE:
        assert code in (0, 1), err
        assert [line for line in out.splitlines() if line.startswith("verdict:")] == [
            next(line for line in out.splitlines() if line.startswith("verdict:"))]
        assert "\u202e" not in out
        return
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1 and len(err) < 700, err
    assert not case.names or case.names in err, err
