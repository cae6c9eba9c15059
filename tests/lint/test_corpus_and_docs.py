"""Every corpus Dockerfile lints without a crash; docs/rules is generated from the rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import run_cli
from tests.lint.helpers import REPO, shared_dir

CORPUS = shared_dir() / "corpus" / "files"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present beside the repository")
def test_whole_corpus_lints_without_traceback() -> None:
    files = sorted(str(p) for p in CORPUS.iterdir() if p.is_file())
    assert len(files) > 100
    res = run_cli("lint", *files, "--hadolint", "off", "--no-config", "-f", "json")
    assert res.exit_code in (0, 1, 2), res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    report = json.loads(res.stdout)
    assert len(report["results"]) == len(files)
    for result in report["results"]:
        for f in result["findings"]:
            assert f["line"] >= 1 and f["code"] and f["message"]


def test_rule_docs_are_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_rule_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
