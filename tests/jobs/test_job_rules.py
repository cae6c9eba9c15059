"""The IS7xx job-script rules, through lint_job_text and through the rule registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import parse_job_script
from imagesmith.rules.registry import all_rules, get_rule
from imagesmith.services.jobs_lint import job_rules, lint_job_text, lint_startdocker

from .conftest import DATA

CODES = [f"IS7{n:02d}" for n in range(1, 13)]
_EXPECT = re.compile(r"^# expect:(.*)$", re.MULTILINE)


def codes_lines(findings) -> set[str]:
    return {f"{f.code}:{f.line}" for f in findings}


def expected(text: str) -> set[str]:
    m = _EXPECT.search(text)
    assert m, "data file lacks an `# expect:` line"
    return set(m.group(1).split())


DATA_FILES = sorted(p.name for p in DATA.glob("*.pbs") if p.name != "guide-myjob.pbs")


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_findings(name: str, profile: Profile) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    findings = lint_job_text(text, name, profile, DATA)
    assert codes_lines(findings) == expected(text)
    assert all(f.path == name for f in findings)


def test_every_rule_has_failing_and_passing_data() -> None:
    names = {p.name for p in DATA.glob("*.pbs")}
    for code in CODES:
        if code in ("IS707", "IS708"):
            continue  # need real files with modes: test_script_on_disk_* below
        assert f"{code}-fail.pbs" in names and f"{code}-pass.pbs" in names, code


def test_guide_sample_job_script(profile: Profile) -> None:
    """The guide's myjob.pbs (l.478-493), `<username>` as written: only the missing shm flag."""
    text = (DATA / "guide-myjob.pbs").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "#PBS    -N  testjob"
    assert "<username>" in text
    findings = lint_job_text(text, "myjob.pbs", profile, DATA)
    assert [(f.code, f.line, f.severity) for f in findings] == [("IS711", 16, Severity.WARNING)]
    assert "bit:5000/deepo" in findings[0].message and "--ipc=host" in findings[0].help


def test_guide_sample_fixed_is_clean(profile: Profile) -> None:
    text = (DATA / "guide-myjob.pbs").read_text(encoding="utf-8")
    fixed = text.replace("startdocker -c", 'startdocker -u "--ipc=host" -c')
    assert lint_job_text(fixed, "myjob.pbs", profile, DATA) == []


# -- -s scripts on disk (IS707, IS708) ---------------------------------------------------


def write_script(folder: Path, name: str, body: str, mode: int) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body.encode())
    path.chmod(mode)
    return path


JOB = "#PBS -l nodes=1:gpus=1:S\nstartdocker -s {script} bit:5000/nvidia-tensorflow-17.05\n"


@pytest.mark.parametrize(
    "script", ["run.sh", "/ghome/<username>/run.sh", "/ghome/alice/run.sh", "$PBS_O_WORKDIR/run.sh"]
)
def test_script_without_shebang(tmp_path: Path, profile: Profile, script: str) -> None:
    write_script(tmp_path, "run.sh", "python /ghome/alice/train.py\n", 0o755)
    findings = lint_job_text(JOB.format(script=script), "job.pbs", profile, tmp_path)
    assert codes_lines(findings) == {"IS707:2"}
    assert "exec format error" in findings[0].message
    assert findings[0].data["file"] == str(tmp_path / "run.sh")


def test_script_without_execute_bit(tmp_path: Path, profile: Profile) -> None:
    write_script(tmp_path, "run.sh", "#!/bin/bash\npython /ghome/alice/train.py\n", 0o644)
    findings = lint_job_text(JOB.format(script="/ghome/<username>/run.sh"), "job.pbs", profile, tmp_path)
    assert codes_lines(findings) == {"IS708:2"}
    assert "chmod +x" in findings[0].help and findings[0].data["mode"] == "0o644"


def test_script_with_neither_reports_both(tmp_path: Path, profile: Profile) -> None:
    write_script(tmp_path, "run.sh", "echo hi\n", 0o600)
    findings = lint_job_text(JOB.format(script="run.sh"), "job.pbs", profile, tmp_path)
    assert codes_lines(findings) == {"IS707:2", "IS708:2"}


def test_good_script_is_clean(tmp_path: Path, profile: Profile) -> None:
    write_script(tmp_path, "run.sh", "#!/bin/bash\npython /ghome/alice/train.py\n", 0o755)
    assert lint_job_text(JOB.format(script="run.sh"), "job.pbs", profile, tmp_path) == []


def test_script_under_code_dir(tmp_path: Path, profile: Profile) -> None:
    """`-P /gdata/userx/proc1 -s shell/my.sh` (guide l.419-425): the script sits under -P."""
    write_script(tmp_path / "proc1" / "shell", "my.sh", "echo no shebang\n", 0o755)
    job = "startdocker -P /gdata/userx/proc1 -s shell/my.sh bit:5000/nvidia-tensorflow-17.05\n"
    assert codes_lines(lint_job_text(job, "cmd", profile, tmp_path / "proc1")) == set()
    assert codes_lines(lint_job_text(job, "cmd", profile, tmp_path)) == {"IS707:1"}


def test_unresolvable_script_is_not_checked(tmp_path: Path, profile: Profile) -> None:
    job = JOB.format(script="/ghome/<username>/missing.sh")
    assert lint_job_text(job, "job.pbs", profile, tmp_path) == []
    assert lint_job_text(job, "job.pbs", profile, None) == []


def test_crlf_shebang_and_python_path(tmp_path: Path, profile: Profile) -> None:
    write_script(tmp_path, "dos.sh", "#!/bin/bash\r\necho hi\r\n", 0o755)
    write_script(tmp_path, "py.py", "#!/usr/bin/python\nimport torch\n", 0o755)
    job = (
        "startdocker -s dos.sh bit:5000/nvidia-tensorflow-17.05\n"
        'startdocker -u "--ipc=host" -s py.py bit:5000/deepo_9\n'
    )
    findings = lint_job_text(job, "cmd", profile, tmp_path)
    assert [(f.code, f.line, f.severity) for f in findings] == [
        ("IS707", 1, Severity.ERROR),
        ("IS707", 2, Severity.INFO),
    ]
    assert "Windows line ends" in findings[0].message
    assert findings[1].data["python"] == "/usr/local/bin/python"


def test_thread_counts_inside_the_script(tmp_path: Path, profile: Profile) -> None:
    write_script(
        tmp_path,
        "train.py",
        "#!/usr/bin/python\nimport tensorflow as tf\n"
        "cfg = tf.ConfigProto(intra_op_parallelism_threads=8,\n"
        "                     inter_op_parallelism_threads=2)\n",
        0o755,
    )
    job = "#PBS -l nodes=1:gpus=1:S\nstartdocker -s train.py bit:5000/nvidia-tensorflow-17.05\n"
    findings = lint_job_text(job, "job.pbs", profile, tmp_path)
    assert [(f.code, f.line, f.severity) for f in findings] == [
        ("IS712", 2, Severity.WARNING),
        ("IS712", 2, Severity.INFO),
    ]
    assert "intra_op_parallelism_threads=8` in train.py (line 3)" in findings[0].message
    assert "2 cores in a `:S`" in findings[1].message


# -- a lone startdocker command line ----------------------------------------------------


def test_startdocker_command_line_alone(profile: Profile) -> None:
    """`imagesmith lint --startdocker "..."`: no #PBS lines, so no PBS rules fire."""
    clean = 'startdocker -u "--ipc=host" -c "python /ghome/u/a.py" bit:5000/deepo_9'
    assert lint_job_text(clean, "<startdocker>", profile, None) == []
    bad = 'startdocker -D /gdata -c "OMP_NUM_THREADS=8 python a.py" bit:5000/deepo_9'
    assert {f.code for f in lint_job_text(bad, "<startdocker>", profile, None)} == {"IS709", "IS711", "IS712"}


def test_lint_startdocker_adds_the_word(tmp_path: Path, profile: Profile) -> None:
    write_script(tmp_path, "run.sh", "python a.py\n", 0o644)
    findings = lint_startdocker("-s run.sh bit:5000/nvidia-tensorflow-17.05", profile, tmp_path)
    assert codes_lines(findings) == {"IS707:1", "IS708:1"}
    assert all(f.path == "<startdocker>" for f in findings)
    assert lint_startdocker("/usr/local/bin/startdocker -c ls bit:5000/deepo", profile) != []


# -- pragmas ---------------------------------------------------------------------------------


def test_pragmas(profile: Profile) -> None:
    text = (DATA / "guide-myjob.pbs").read_text(encoding="utf-8")
    lines = text.splitlines()
    ignored = "\n".join(lines[:-1] + ["# imagesmith: ignore=IS711 -- no DataLoader here", lines[-1]])
    assert lint_job_text(ignored, "job.pbs", profile, None) == []
    assert codes_lines(lint_job_text(ignored, "job.pbs", profile, None, pragmas=False)) == {"IS711:17"}
    whole = "# imagesmith: ignore-file=IS7 -- demo\n" + (DATA / "IS701-fail.pbs").read_text()
    assert lint_job_text(whole, "job.pbs", profile, None) == []
    other = "\n".join(lines[:-1] + ["# imagesmith: ignore=IS710", lines[-1]])
    assert codes_lines(lint_job_text(other, "job.pbs", profile, None)) == {"IS711:17"}


# -- the registry ----------------------------------------------------------------------------


def test_registry_holds_the_job_rules() -> None:
    rules = {r.code: r for r in all_rules() if r.input_kind == "job-script"}
    assert sorted(rules) == CODES
    assert [r.code for r in job_rules()] == CODES
    for code, rule in rules.items():
        assert get_rule(code) is rule
        assert rule.group == "job-script"
        assert "guide" in rule.doc.source and re.search(r"l\.\d+", rule.doc.source), code
        assert rule.doc.what and rule.doc.why and rule.doc.example and rule.doc.instead


@pytest.mark.parametrize("code", [c for c in CODES if c not in ("IS707", "IS708")])
def test_doc_examples_through_the_registry(code: str, profile: Profile) -> None:
    """Each rule's documented example fails it and the `instead` passes, via rule.check."""
    rule = get_rule(code)
    assert list(rule.check(parse_job_script(rule.doc.example, "example"), profile))
    assert not list(rule.check(parse_job_script(rule.doc.instead, "instead"), profile))


def test_rule_check_through_registry_on_disk(tmp_path: Path, profile: Profile) -> None:
    write_script(tmp_path, "run.sh", "echo hi\n", 0o644)
    parsed = parse_job_script(JOB.format(script="run.sh"), "job.pbs")
    parsed.base_dir = tmp_path
    assert [h.line for h in get_rule("IS707").check(parsed, profile)] == [2]
    assert [h.line for h in get_rule("IS708").check(parsed, profile)] == [2]
    parsed.base_dir = None
    assert list(get_rule("IS708").check(parsed, profile)) == []


def test_dockerfile_rules_ignore_job_scripts() -> None:
    assert all(r.input_kind == "dockerfile" for r in all_rules() if not r.code.startswith("IS7"))
