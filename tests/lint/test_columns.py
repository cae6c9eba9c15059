"""Where a finding points inside its line: the word it is about when the rule names one, else
the line's text; the same span in JSON, SARIF, GitHub annotations and the text excerpt."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

DOCKERFILE = (
    "FROM   nvidia/cuda:12.4.0-base-ubuntu22.04\n"  # IS201 points at the image
    "COPY /etc/hosts /x\n"  # IS102 at the absolute source
    "    RUN apt-get install curl\n"  # IS601 and hadolint's DL3008: the line without indentation
    "COPY /etc/passwd \\\n  /y\n"  # two lines: GitHub gets endLine, no columns
    "# a form feed \f does not start a line for BuildKit\n"
    "COPY --chown=/opt /opt /z\n"  # IS102 points at the source word, not inside --chown=
)


def _lint(tmp_path: Path, *args: str) -> str:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    res = run_cli("lint", "Dockerfile", *args, cwd=tmp_path)
    assert res.exit_code == 1, res.stderr
    return res.stdout


def test_json_columns_point_at_the_subject(tmp_path: Path) -> None:
    findings = json.loads(_lint(tmp_path, "--format", "json"))["results"][0]["findings"]
    by_code = {(f["code"], f["line"]): f for f in findings}
    base = by_code["IS201", 1]
    assert (base["column"], base["end_column"]) == (8, 8 + len("nvidia/cuda:12.4.0-base-ubuntu22.04"))
    source = by_code["IS102", 2]
    assert DOCKERFILE.splitlines()[1][source["column"] - 1:source["end_column"] - 1] == "/etc/hosts"
    chown = by_code["IS102", 7]
    assert DOCKERFILE.split("\n")[6][chown["column"] - 1:] == "/opt /z"
    assert chown["end_column"] - chown["column"] == len("/opt")
    apt = by_code["IS601", 3]
    assert (apt["column"], apt["end_column"]) == (5, len("    RUN apt-get install curl") + 1)
    dl = by_code.get(("DL3008", 3))
    if dl is not None:  # hadolint on PATH (the test environment has it): same line span
        assert (dl["column"], dl["end_column"]) == (5, len("    RUN apt-get install curl") + 1)


def test_github_annotations_carry_col_and_end_column(tmp_path: Path) -> None:
    lines = _lint(tmp_path, "--format", "github").splitlines()
    base = next(x for x in lines if "title=IS201" in x)
    assert ",line=1,col=8,endColumn=43," in base
    two_lines = next(x for x in lines if "title=IS102" in x and "line=4" in x)
    assert "endLine=5" in two_lines and "endColumn" not in two_lines


def test_sarif_region_and_text_caret(tmp_path: Path) -> None:
    doc = json.loads(_lint(tmp_path, "--format", "sarif"))
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in doc["runs"][0]["results"]
               if r["ruleId"] == "IS201"]
    assert regions == [{"startLine": 1, "startColumn": 8, "endColumn": 43}]
    text = _lint(tmp_path, "--no-color")
    block = text[text.index("IS201"):]
    caret = block.splitlines()[2]
    assert caret.split("| ", 1)[1] == " " * 7 + "^" * len("nvidia/cuda:12.4.0-base-ubuntu22.04")
