"""With hadolint merged, one problem is one finding; hadolint's parse errors on syntax
BuildKit reads are an info that says hadolint's verdict is unknown (real hadolint)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def _findings(tmp_path: Path, text: str) -> list[dict]:  # type: ignore[type-arg]
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    res = run_cli("lint", "--hadolint", "on", "--format", "json", str(path))
    assert res.exit_code in (0, 1), res.stderr
    return [f for r in json.loads(res.stdout)["results"] for f in r["findings"]]


def test_twins_are_reported_once(tmp_path: Path) -> None:
    found = _findings(tmp_path, "FROM bit:5000/deepo_9\nRUN apt-get install curl\nRUN apt install wget\n"
                                "RUN if [ x ]; then echo\n")
    codes = [(f["line"], f["code"]) for f in found]
    assert (2, "DL3014") not in codes and (3, "DL3027") not in codes and (4, "SC1072") not in codes
    is601 = next(f for f in found if f["code"] == "IS601" and f["line"] == 2)
    assert is601["message"].endswith("(also hadolint DL3014)")
    assert next(f for f in found if f["code"] == "IS602")["message"].endswith("(also hadolint DL3027)")
    assert (2, "DL3008") in codes  # what imagesmith does not check stays hadolint's


def test_hadolint_parse_error_on_a_heredoc_is_an_info(tmp_path: Path) -> None:
    found = _findings(tmp_path, "FROM bit:5000/deepo_9\nRUN <<EOF\necho hi\nEOF\nRUN true\n")
    assert not [f for f in found if f["code"] == "DL1000"]
    [skipped] = [f for f in found if f["code"] == "IS004"]
    assert skipped["severity"] == "info" and "hadolint could not read this file" in skipped["message"]


def test_the_nearest_hadolint_yaml_is_honoured(tmp_path: Path) -> None:
    sub = tmp_path / "project" / "dockertmp"
    sub.mkdir(parents=True)
    text = "FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
    assert "DL3008" in [f["code"] for f in _findings(sub, text)]
    (tmp_path / "project" / ".hadolint.yaml").write_text("ignored:\n  - DL3008\n")
    assert "DL3008" not in [f["code"] for f in _findings(sub, text)]
