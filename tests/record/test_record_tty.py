"""`imagesmith record` end to end on a real TTY and the real engine (Debian base, host network)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from imagesmith.engine import LABEL_ROLE, Engine
from tests.conftest import DEBIAN
from tests.record.conftest import PROMPT, dockerfile_lines

HEREDOC = "cat > /opt/app/app.conf <<'EOF'\nname = \"demo app\"\nlevel = 3\nEOF"


def _record_container(out: Path) -> str:
    """The session container whose journal folder is `out` (other runs may record at the same time)."""
    state = str((out / ".imagesmith").resolve())
    with Engine.connect() as eng:
        found = [c["Id"] for c in eng.api.containers(filters={"label": f"{LABEL_ROLE}=record"})
                 if any(m.get("Source") == state for m in c.get("Mounts", []))]
    assert len(found) == 1, found
    return found[0]


def test_session_becomes_a_dockerfile_that_reproduces_it(record_session, tmp_path: Path) -> None:
    out = tmp_path / "dockertmp"
    s = record_session([DEBIAN, "-o", str(out), "--verify"])
    s.run("false")
    s.run("ls /")
    s.run("mkdir -p /opt/app && cd /opt/app")
    s.run('export GREETING="hello world"')
    s.run(HEREDOC)
    s.run("sed -i 's/level = 3/level = 4/' app.conf")
    s.run("apt-get update -qq")
    s.run("apt-get install -y -qq tree >/dev/null", timeout=300)
    s.run("pip install -q 'six>=1.10'", timeout=300)
    (tmp_path / "notes.txt").write_text("copied in from outside\n")
    container = _record_container(out)
    subprocess.run(["docker", "cp", str(tmp_path / "notes.txt"), f"{container}:/opt/app/notes.txt"], check=True)
    s.run("cat /opt/app/notes.txt")
    code, text = s.finish()
    dockerfile = (out / "Dockerfile").read_text()
    assert code == 0, text + dockerfile
    assert "reproduced" in text and "NOT reproduced" not in text, text
    lines = dockerfile_lines(dockerfile)
    assert not any(l.startswith(("RUN false", "RUN ls")) or "cat /opt/app/notes" in l for l in lines)
    assert 'ENV GREETING="hello world"' in lines
    assert "WORKDIR /opt/app" in lines
    assert any("level = 3" in l and l.startswith('RUN ["/bin/bash", "-c"') for l in lines)
    assert "RUN sed -i 's/level = 3/level = 4/' app.conf" in lines
    apt = [l for l in lines if "apt-get install" in l]
    assert len(apt) == 1 and "--no-install-recommends tree=" in apt[0] and apt[0].endswith("rm -rf /var/lib/apt/lists/*")
    assert any(l.startswith("RUN pip install --no-cache-dir -q six==") for l in lines)
    assert "COPY files/opt/app/notes.txt /opt/app/notes.txt" in lines
    assert (out / "files/opt/app/notes.txt").read_text() == "copied in from outside\n"
    session = json.loads((out / ".imagesmith/session.json").read_text())
    assert session["verify"]["reproduced"] is True
    assert session["snapshots"]["end"]["dpkg"]["tree"]
    reasons = {d["cmd"]: d["reason"] for d in session["dropped"]}
    assert reasons["false"].startswith("failed") and reasons["ls /"] == "changed nothing in the image"
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lint import lint_paths

    from imagesmith.services.lint import LintOptions

    findings = lint_paths([out], select_profile(None, out), LintOptions(hadolint="on")).findings
    # The test base is not in the cluster catalog (IS201, IS202, IS401: the user's choice, as are
    # no TZ, IS504, and the untagged base, DL3006/DL3007); nothing of the recording's own making.
    own = [(f.code, f.line, f.message) for f in findings
           if f.code not in {"IS201", "IS202", "IS401", "IS504", "DL3006", "DL3007"}]
    assert own == [], own
    with Engine.connect() as eng:
        assert not eng.container_exists(container), "the session container was left behind"


def test_killed_container_still_yields_a_dockerfile(record_session, tmp_path: Path, cli) -> None:
    import pexpect

    out = tmp_path / "dockertmp"
    s = record_session([DEBIAN, "-o", str(out)])
    s.run("mkdir -p /srv/data && echo payload > /srv/data/kept.txt")
    s.run("uname -a")
    container = _record_container(out)
    with Engine.connect() as eng:
        eng.api.kill(container)
    s.child.expect(pexpect.EOF, timeout=120)
    s.child.close()
    assert s.child.exitstatus == 0, s.child.before
    lines = (out / "Dockerfile").read_text().splitlines()
    assert "RUN mkdir -p /srv/data && echo payload > /srv/data/kept.txt" in lines
    assert not any("uname" in l for l in lines)
    journal = out / ".imagesmith" / "journal.jsonl"
    again = cli("dockerfile", str(journal), "--base", DEBIAN, "-o", str(tmp_path / "again"), "--json")
    assert again.exit_code == 0, again.stderr
    assert "RUN mkdir -p /srv/data && echo payload > /srv/data/kept.txt" in (tmp_path / "again/Dockerfile").read_text()
    assert json.loads(again.stdout)["unseen"], again.stdout
    with Engine.connect() as eng:
        assert not eng.container_exists(container), "the session container was left behind"


def test_base_without_bash_copies_every_change(record_session, tmp_path: Path) -> None:
    from tests.conftest import BUSYBOX

    out = tmp_path / "dockertmp"
    s = record_session([BUSYBOX, "-o", str(out)], ready="has no bash", prompt=PROMPT)
    s.run("echo hello > /etc/greeting")
    code, text = s.finish()
    assert code == 0, text
    lines = (out / "Dockerfile").read_text().splitlines()
    assert "COPY files/etc/greeting /etc/greeting" in lines, lines
    assert (out / "files/etc/greeting").read_text() == "hello\n"


def test_record_on_a_remote_engine(record_session, tmp_path: Path) -> None:
    """`record --host tcp://...`: the session container runs on the second engine (busybox only
    is loaded there), the docker CLI behind the terminal talks to it too."""
    import os
    import subprocess

    from tests.conftest import BUSYBOX

    remote = "tcp://127.0.0.1:23750"
    out = tmp_path / "dockertmp"
    s = record_session([BUSYBOX, "-o", str(out), "--host", remote], ready="has no bash", prompt=PROMPT)
    mine = subprocess.run(["docker", "ps", "-q", "--filter", "label=org.imagesmith.role=record"],
                          capture_output=True, text=True, env={**os.environ, "DOCKER_HOST": remote}).stdout
    assert mine.strip(), "no session container on the remote engine"
    s.run("echo remote > /etc/greeting")
    code, text = s.finish()
    assert code == 0, text
    assert (out / "files/etc/greeting").read_text() == "remote\n"
