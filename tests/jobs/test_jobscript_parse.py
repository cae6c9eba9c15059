"""parse_job_script / parse_startdocker / is_job_script."""

from __future__ import annotations

from pathlib import Path

from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import parse_job_script, parse_resources, parse_startdocker
from imagesmith.services.jobs_lint import is_job_script, lint_job_text

from .conftest import DATA


def test_guide_sample_structure() -> None:
    parsed = parse_job_script((DATA / "guide-myjob.pbs").read_text(encoding="utf-8"), "myjob.pbs")
    assert [(d.line, d.option, d.value) for d in parsed.directives] == [
        (1, "-N", "testjob"),
        (2, "-o", "/ghome/<username>/$PBS_JOBID.out"),
        (3, "-e", "/ghome/<username>/$PBS_JOBID.err"),
        (4, "-l", "nodes=1:gpus=1:S"),
        (5, "-r", "y"),
        (6, "-q", "mcc"),
    ]
    (request,) = parsed.resources
    assert request.nodes is not None
    assert (request.nodes.count, request.nodes.gpus, request.nodes.properties) == (1, 1, ("S",))
    assert parsed.exact and parsed.is_pbs
    assert [c.name for c in parsed.commands][:3] == ["cd", "echo", "date"]
    (sd,) = parsed.startdockers
    assert (sd.line, sd.command, sd.script, sd.image) == (
        16,
        "python /ghome/<username>/mytest.py",
        None,
        "bit:5000/deepo",
    )


def test_resources_and_walltime() -> None:
    r = parse_resources("nodes=1:gpus=2:D,walltime=300:00:00", 7)
    assert r.nodes is not None and (r.nodes.count, r.nodes.gpus, r.nodes.properties) == (1, 2, ("D",))
    assert (r.walltime, r.line, r.items[0]) == ("300:00:00", 7, ("nodes", "1:gpus=2:D"))
    assert parse_resources("nodes=1:gpus=x:S").nodes.bad_parts == ("gpus=x",)  # type: ignore[union-attr]
    parsed = parse_job_script("#PBS -lnodes=1:gpus=1:S\n#PBS -l walltime=1:00:00 # an hour\n")
    assert [(d.option, d.value) for d in parsed.directives] == [
        ("-l", "nodes=1:gpus=1:S"),
        ("-l", "walltime=1:00:00"),
    ]


def test_parse_startdocker_options() -> None:
    sd = parse_startdocker(
        'startdocker -u "--ipc=host -v /gpub/ImageNet:/gpub/ImageNet --shm-size 8G -e OMP_NUM_THREADS=2 '
        '--mount type=bind,source=/gdata/u/x,target=/x" -D "/gdata/jinlk" -P /ghome/jinlk/VSS '
        "-s scripts/train.sh bit:5000/deepo_9"
    )
    assert sd.docker_args[:2] == ("--ipc=host", "-v")
    assert sd.docker_option("--ipc") == ["host"] and sd.docker_option("--shm-size") == ["8G"]
    assert [(m.source, m.option) for m in sd.mounts] == [
        ("/ghome/jinlk/VSS", "-P"),
        ("/gdata/jinlk", "-D"),
        ("/gpub/ImageNet", "-v"),
        ("/gdata/u/x", "--mount"),
    ]
    assert [(e.name, e.value, e.where) for e in sd.env] == [("OMP_NUM_THREADS", "2", "docker")]
    assert (sd.script, sd.command, sd.image, sd.extra) == ("scripts/train.sh", None, "bit:5000/deepo_9", ())


def test_parse_startdocker_without_the_word_and_command_env() -> None:
    sd = parse_startdocker('-c "OMP_NUM_THREADS=8 python a.py; export MKL_NUM_THREADS=4" bit:5000/deepo')
    assert sd.argv[0] == "startdocker" and sd.image == "bit:5000/deepo"
    assert [(e.name, e.value) for e in sd.command_env] == [("OMP_NUM_THREADS", "8"), ("MKL_NUM_THREADS", "4")]
    assert parse_startdocker("startdocker -c").image is None


def test_placeholders_survive_shell_parsing() -> None:
    parsed = parse_job_script("startdocker -s /ghome/<username>/run.sh -D /gdata/<user> bit:5000/deepo\n")
    (sd,) = parsed.startdockers
    assert (sd.script, sd.data_dirs, sd.image) == (
        "/ghome/<username>/run.sh",
        ("/gdata/<user>",),
        "bit:5000/deepo",
    )


def test_job_env_assignments() -> None:
    parsed = parse_job_script("export OMP_NUM_THREADS=8 TZ=Asia/Shanghai\nN=2 echo hi\nX=1\n")
    assert [(e.name, e.value, e.line) for e in parsed.env] == [
        ("OMP_NUM_THREADS", "8", 1),
        ("TZ", "Asia/Shanghai", 1),
        ("N", "2", 2),
        ("X", "1", 3),
    ]


def test_grammar_bashlex_lacks_keeps_lines(profile: Profile) -> None:
    text = (
        "#PBS -l nodes=1:gpus=1:S\n"
        "if [[ -f /ghome/u/x ]]; then\n"
        '  startdocker -u "--ipc=host" \\\n'
        '    -c "python a.py" bit:5000/deepo_9\n'
        "fi\n"
        "case $1 in a) echo a;; esac\n"
        "python b.py\n"
    )
    parsed = parse_job_script(text)
    assert not parsed.exact
    (sd,) = parsed.startdockers
    assert (sd.line, sd.end_line, sd.command) == (3, 4, "python a.py")
    findings = lint_job_text(text, "job.pbs", profile, None)
    assert [(f.code, f.line, f.data.get("command")) for f in findings] == [("IS705", 7, "python")]


def test_is_job_script(tmp_path: Path) -> None:
    assert is_job_script(Path("x/job.pbs"))
    assert is_job_script(Path("x/job.PBS"), "")
    assert is_job_script(Path("run.sh"), "#!/bin/bash\n#PBS -N x\n")
    assert not is_job_script(Path("run.sh"), "#!/bin/bash\n  #PBS -N indented is no directive\n")
    job = tmp_path / "submit"
    job.write_text("#PBS -q mcc\nstartdocker -c x bit:5000/deepo\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM bit:5000/deepo_9\n")
    assert is_job_script(job) and not is_job_script(dockerfile)
    assert not is_job_script(tmp_path / "missing")
