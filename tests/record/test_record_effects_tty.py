"""A real session (pseudo-terminal, real engine) whose effects are deletions, an unset variable
and a credential: the recording reproduces the deletions, writes neither the unset variable nor
the token, keeps its journal private and out of the build context, and --verify agrees."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.record.conftest import dockerfile_lines
from tests.conftest import DEBIAN

TOKEN = "hf_" + "Zx9Qw8Er7Ty6Ui5Op4As3Df2"


def test_deletions_unset_and_secrets(record_session, tmp_path: Path) -> None:
    out = tmp_path / "dockertmp"
    s = record_session([DEBIAN, "-o", str(out), "--verify"])
    s.run("rm -f /etc/motd")
    s.run("echo recorded > /etc/issue.net")  # changes /etc again, after the deletion
    s.run("export SCRATCH=0")
    s.run("unset SCRATCH")
    s.run(f"export HF_TOKEN={TOKEN}")
    s.run("mkdir -p /opt/data && echo payload > /opt/data/x.txt")
    code, text = s.finish()
    dockerfile = (out / "Dockerfile").read_text()
    assert code == 0, text + dockerfile
    assert "reproduced" in text and "NOT reproduced" not in text, text + dockerfile
    lines = dockerfile_lines(dockerfile)
    assert "RUN rm -f /etc/motd" in lines
    assert "SCRATCH" not in dockerfile
    assert TOKEN not in dockerfile and "HF_TOKEN" not in dockerfile
    assert "LEFT OUT" in text and "ENV HF_TOKEN" in text and "docker run -e HF_TOKEN" in text
    state = out / ".imagesmith"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert ".imagesmith" in (out / ".dockerignore").read_text().splitlines()
    session = json.loads((state / "session.json").read_text())
    assert session["verify"]["reproduced"] is True
    assert [s["path"] for s in session["secrets_left_out"]] == ["ENV HF_TOKEN"]
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lint import lint_paths

    from imagesmith.services.lint import LintOptions

    findings = lint_paths([out], select_profile(None, out), LintOptions(hadolint="on")).findings
    # the test base is not in the catalog (IS201/IS202/IS401) and is untagged (DL3007), no TZ
    # (IS504): the user's choices; nothing of the recording's own making
    own = [(f.code, f.line, f.message) for f in findings
           if f.code not in {"IS201", "IS202", "IS401", "IS504", "DL3006", "DL3007"}]
    assert own == [], own


def test_a_300_command_session_builds_and_reproduces(record_session, tmp_path: Path) -> None:
    out = tmp_path / "dockertmp"
    s = record_session([DEBIAN, "-o", str(out), "--verify"])
    s.run("mkdir -p /opt/steps")
    for i in range(299):
        s.run(f"echo {i} > /opt/steps/{i}.txt")
    code, text = s.finish(timeout=600)
    dockerfile = (out / "Dockerfile").read_text()
    assert code == 0, text[-3000:] + dockerfile[-2000:]
    assert "reproduced" in text and "NOT reproduced" not in text, text[-3000:]
    runs = [line for line in dockerfile.splitlines() if line.startswith("RUN ")]
    assert len(runs) <= 20, len(runs)  # 300 commands, under 125 layers by far
    assert dockerfile.count("/opt/steps/") == 299


def test_a_lost_terminal_still_writes_the_whole_folder(record_session, tmp_path: Path, cli) -> None:
    import os
    import signal

    import pexpect

    from imagesmith.engine import Engine
    from tests.record.test_record_tty import _record_container

    out = tmp_path / "dockertmp"
    s = record_session([DEBIAN, "-o", str(out)])
    s.run("pip install -q --break-system-packages six", timeout=300)
    s.run("mkdir -p /srv/data && echo payload > /srv/data/kept.txt")
    container = _record_container(out)
    os.kill(s.child.pid, signal.SIGHUP)  # the terminal goes away, the container does not
    s.child.expect(pexpect.EOF, timeout=180)
    s.child.close()
    assert s.child.exitstatus == 130, s.child.before
    lines = dockerfile_lines((out / "Dockerfile").read_text())
    assert "RUN mkdir -p /srv/data && echo payload > /srv/data/kept.txt" in lines
    assert any(line.startswith("RUN pip install --no-cache-dir -q --break-system-packages six==")
               for line in lines), lines
    session = json.loads((out / ".imagesmith" / "session.json").read_text())
    assert session["snapshots"]["end"]["pip"]["six"]
    # the journal alone now carries the end snapshot: the pins survive `imagesmith dockerfile`
    again = cli("dockerfile", str(out / ".imagesmith" / "journal.jsonl"), "--base", DEBIAN,
                "-o", str(tmp_path / "again"))
    assert again.exit_code == 0, again.stderr
    assert "six==" in (tmp_path / "again" / "Dockerfile").read_text()
    with Engine.connect() as eng:
        assert not eng.container_exists(container), "the session container was left behind"
