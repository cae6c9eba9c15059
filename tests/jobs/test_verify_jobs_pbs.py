"""The PBS side of `verify --on` (the cluster's Torque, which the test machine does not have): the
job scripts PSI/J would submit, checked by imagesmith's own job-script rules and against the
guide's sample job; Torque's status output; and how a probe's result becomes a verdict."""

from __future__ import annotations

import json
from pathlib import Path

from imagesmith.core.profile import load_profile
from imagesmith.parse.jobscript import parse_job_script
from imagesmith.verify.jobs.plan import GroupJob, RunPlan
from imagesmith.verify.jobs.results import group_result
from tests.conftest import run_cli

GUIDE_SAMPLE = """#PBS    -N  testjob
#PBS    -o  /ghome/<username>/$PBS_JOBID.out
#PBS    -e  /ghome/<username>/$PBS_JOBID.err
#PBS    -l nodes=1:gpus=1:S
#PBS    -r y
#PBS    -q mcc
cd $PBS_O_WORKDIR
echo Time is `date`
startdocker -c "python /ghome/<username>/mytest.py"  bit:5000/deepo
"""


def _dry_run(tmp_path: Path, *args: str) -> dict[str, str]:
    res = run_cli("verify", "bit:5000/deepo_9", "--on", "G101-G125,G131-G144", "--dry-run",
                  "--format", "json", *args, env={"USER": "alice"}, cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_pbs_scripts_pass_the_job_rules_and_follow_the_guides_sample(tmp_path: Path) -> None:
    out = _dry_run(tmp_path)
    scripts = out["scripts"]
    assert set(scripts) == {"G101-G125", "G131-G144"}
    assert out["run_dir"].startswith("/ghome/alice/imagesmith-jobs/")
    assert not Path("/ghome/alice/imagesmith-jobs").exists() or not any(
        p.name in out["run_dir"] for p in Path("/ghome/alice/imagesmith-jobs").iterdir())
    for group, text in scripts.items():
        path = tmp_path / f"{group}.pbs"
        path.write_text(text)
        res = run_cli("lint", str(path), "--format", "json")
        assert res.exit_code == 0, res.stdout
        assert json.loads(res.stdout)["results"][0]["findings"] == []
        ours, guide = parse_job_script(text), parse_job_script(GUIDE_SAMPLE)
        assert {d.option for d in guide.directives} <= {d.option for d in ours.directives}
        assert ours.startdockers[-1].image == "bit:5000/deepo_9"
        assert text.splitlines()[-2].startswith("startdocker -u ")
    assert "#PBS -q mcc" in scripts["G101-G125"] and "#PBS -q batch" in scripts["G131-G144"]
    assert "#PBS -l nodes=1:gpus=1:S,walltime=0:30:00" in scripts["G101-G125"]
    assert not (tmp_path / "imagesmith-jobs").exists()  # a dry run writes nothing


def test_psij_stock_pbs_template_would_not_pass(tmp_path: Path) -> None:
    """Why imagesmith brings its own template: PSI/J's PBS classic script asks for
    `nodes=N:ppn=M` and names the job `-N="..."`, which the cluster's rules reject."""
    from psij import Job, JobExecutor, JobSpec, ResourceSpecV1

    from imagesmith.verify.jobs.executors import _config

    executor = JobExecutor.get_instance("pbs_classic", config=_config(tmp_path, 30))
    job = Job(JobSpec(executable="startdocker", arguments=["-c", "true", "bit:5000/deepo_9"],
                      name="x", resources=ResourceSpecV1(gpu_cores_per_process=1)))
    import io

    out = io.StringIO()
    executor.generate_submit_script(job, executor._create_script_context(job), out)
    path = tmp_path / "stock.pbs"
    path.write_text(out.getvalue())
    res = run_cli("lint", str(path), "--format", "json")
    codes = {f["code"] for f in json.loads(res.stdout)["results"][0]["findings"]}
    assert "IS701" in codes  # nodes=1:ppn=1:gpus=1 is not the cluster's form


def test_torque_xml_status() -> None:
    from psij import JobState

    from imagesmith.verify.jobs.executors import parse_torque_status

    # the shape of Torque's `qstat -f -x` (Torque 6 Administrator Guide, qstat -x)
    xml = ("<Data><Job><Job_Id>12.gwork</Job_Id><job_state>R</job_state></Job>"
           "<Job><Job_Id>13.gwork</Job_Id><job_state>C</job_state><exit_status>0</exit_status></Job>"
           "<Job><Job_Id>14.gwork</Job_Id><job_state>C</job_state><exit_status>-11</exit_status></Job>"
           "<Job><Job_Id>15.gwork</Job_Id><job_state>C</job_state><exit_status>271</exit_status></Job>"
           "<Job><Job_Id>16.gwork</Job_Id><job_state>Q</job_state></Job></Data>")
    st = parse_torque_status(0, xml)
    assert st["12.gwork"].state == JobState.ACTIVE and st["16.gwork"].state == JobState.QUEUED
    assert st["13.gwork"].state == JobState.COMPLETED
    assert st["14.gwork"].state == JobState.FAILED and "walltime" in st["14.gwork"].message
    assert st["15.gwork"].state == JobState.FAILED and "SIGTERM" in st["15.gwork"].message
    assert parse_torque_status(153, "qstat: Unknown Job Id 17.gwork\n") == {}


def _result(tmp_path: Path, probe: dict, prediction: dict, group: str = "G101-G125") -> dict:
    profile = load_profile("default")
    (tmp_path / "g.json").write_text(json.dumps(probe))
    job = GroupJob(group=group, queue="mcc", resources="", name="x", argv=[],
                   result=str(tmp_path / "g.json"), job_id="5.gwork", state="COMPLETED",
                   exit_code=0, prediction=prediction)
    plan = RunPlan("r", "img", "default", "pbs", tmp_path, "0:30:00", jobs=[job])
    res = group_result(job, plan, profile, 10.0)
    return {c.name: c for c in res.checks} | {"_status": res.status}  # type: ignore[dict-item]


GPU_1080TI = {"found": True, "kernel_module_driver": "470.82.01", "driver_cuda": "11.4",
              "count": 1, "devices": [{"name": "NVIDIA GeForce GTX 1080 Ti", "capability": "6.1"}]}


def test_a_probe_on_a_gpu_confirms_or_refutes_compat(tmp_path: Path) -> None:
    torch_ok = {"version": "1.10.2", "cuda": "10.2", "available": True, "kernel": True,
                "arch_list": ["sm_37", "sm_50", "sm_60", "sm_61", "sm_70"]}
    checks = _result(tmp_path, {"device": GPU_1080TI, "frameworks": {"torch": torch_ok}},
                     {"verdict": "runs", "reasons": []})
    assert checks["_status"] == "passed"
    assert checks["prediction"].passed and checks["driver"].passed and checks["torch"].passed

    torch_bad = {**torch_ok, "kernel": False,
                 "kernel_error": "CUDA error: no kernel image is available for execution on the device"}
    checks = _result(tmp_path, {"device": GPU_1080TI, "frameworks": {"torch": torch_bad}},
                     {"verdict": "runs", "reasons": []})
    assert checks["_status"] == "failed"
    assert "no kernel image" in checks["torch"].summary
    assert not checks["prediction"].passed and "was wrong" in checks["prediction"].summary

    checks = _result(tmp_path, {"device": GPU_1080TI, "frameworks": {"torch": torch_bad}},
                     {"verdict": "fails", "reasons": ["no sm_61 code"]})
    assert checks["prediction"].passed  # compat said it fails, and it did


def test_a_node_of_another_group_or_driver_is_reported(tmp_path: Path) -> None:
    k80 = {**GPU_1080TI, "kernel_module_driver": "460.32.03",
           "devices": [{"name": "Tesla K80", "capability": "3.7"}]}
    checks = _result(tmp_path, {"device": k80, "frameworks": {}}, {"verdict": "runs"})
    assert "not on G101-G125's GeForce GTX 1080 Ti" in checks["node group"].summary
    assert checks["driver"].summary.startswith("the node's driver is 460.32.03; the profile says 470.82.01")
    assert checks["prediction"].skipped  # no framework ran a kernel: nothing confirms it
    assert checks["_status"] == "unknown"
