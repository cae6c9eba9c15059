"""Job scripts go through `imagesmith lint` like Dockerfiles: discovery, formats, filters, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

BAD_JOB = """\
#PBS -N t
#PBS -o /ghome/userx/$PBS_JOBID.out
#PBS -e /ghome/userx/$PBS_JOBID.err
#PBS -l nodes=1:gpus=2:S
#PBS -q mcc
startdocker -u "--ipc=host" -c "python /ghome/userx/a.py" bit:5000/deepo_9
"""


def test_tree_walk_finds_pbs_and_sniffed_scripts(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "train.pbs").write_text(BAD_JOB)
    (tmp_path / "jobs" / "submit.sh").write_text(BAD_JOB)
    (tmp_path / "jobs" / "plain.sh").write_text("#!/bin/sh\necho hi\n")
    res = run_cli("lint", str(tmp_path), "--format", "json")
    assert res.exit_code == 1, res.stderr
    data = json.loads(res.stdout)
    kinds = {Path(r["path"]).name: r["kind"] for r in data["results"]}
    assert kinds == {"train.pbs": "job-script", "submit.sh": "job-script"}
    for r in data["results"]:
        assert [f["code"] for f in r["findings"]] == ["IS701"]
        assert r["findings"][0]["line"] == 4


def test_ignore_and_severity_apply_to_job_rules(tmp_path: Path) -> None:
    job = tmp_path / "train.pbs"
    job.write_text(BAD_JOB)
    assert run_cli("lint", str(job), "--ignore", "IS701").exit_code == 0
    res = run_cli("lint", str(job), "--severity", "IS701=info", "--format", "json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["results"][0]["findings"][0]["severity"] == "info"


def test_startdocker_option_and_sarif(tmp_path: Path) -> None:
    res = run_cli("lint", "--startdocker", 'startdocker -D /gdata -c "python a.py" bit:5000/deepo_9',
                  "--format", "sarif", cwd=tmp_path)
    assert res.exit_code == 1
    sarif = json.loads(res.stdout)
    codes = sorted(r["ruleId"] for r in sarif["runs"][0]["results"])
    assert codes == ["IS709", "IS711"]


def test_startdocker_with_paths_is_usage_error(tmp_path: Path) -> None:
    res = run_cli("lint", "x.pbs", "--startdocker", "startdocker -c true bit:5000/deepo_9")
    assert res.exit_code == 2 and "Traceback" not in res.stderr


def test_job_pragmas_count_as_suppressed_and_no_pragmas_reveals(tmp_path: Path) -> None:
    job = tmp_path / "train.pbs"
    job.write_text(BAD_JOB.replace("#PBS -l", "# imagesmith: ignore=IS701 -- two GPUs on purpose\n#PBS -l"))
    data = json.loads(run_cli("lint", str(job), "--format", "json").stdout)
    assert data["results"][0]["findings"] == [] and data["summary"]["suppressed"] == 1
    res = run_cli("lint", str(job), "--no-pragmas", "--format", "json")
    assert res.exit_code == 1
    assert [f["code"] for f in json.loads(res.stdout)["results"][0]["findings"]] == ["IS701"]
