"""Cluster mode without an engine: `imagesmith hook` in a real bash on a pseudo-terminal,
then `imagesmith dockerfile` on the journal it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect

from imagesmith.record.journal import read_journal
from tests.record.conftest import dockerfile_lines

PROMPT = "HOOKED> "


def _bash_session(tmp_path: Path, lines: list[str]) -> Path:
    journal = tmp_path / "journal.jsonl"
    snippet = subprocess.run([sys.executable, "-m", "imagesmith", "hook", "--journal", str(journal)],
                             capture_output=True, text=True, check=True).stdout
    rc = tmp_path / "rc.bash"
    rc.write_text(f"PS1='{PROMPT}'\n" + snippet)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TERM": "dumb", "HISTFILE": str(tmp_path / "hist")}
    child = pexpect.spawn("bash", ["--noprofile", "--rcfile", str(rc), "-i"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", timeout=60)
    child.expect(PROMPT)
    for line in lines:
        child.sendline(line)
        child.expect(PROMPT)
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    return journal


def test_hook_journals_commands_as_typed(tmp_path: Path) -> None:
    heredoc = "cat > out.txt <<'EOF'\nsays \"hi\" \\ back\nEOF"
    journal_path = _bash_session(tmp_path, [
        "false", "ls", "mkdir sub && cd sub", 'export MY_VAR="a b $HOME"', "unset MY_VAR",
        heredoc, "echo 'ünïcode \\n' > t.txt", "", "true   # same line twice", "true   # same line twice",
    ])
    journal = read_journal(journal_path)
    cmds = [(c.cmd, c.status) for c in journal.commands]
    assert cmds[0] == ("false", 1) and cmds[1] == ("ls", 0)
    assert ("mkdir sub && cd sub", 0) in cmds
    assert (heredoc + "\n", 0) in cmds or (heredoc, 0) in cmds
    assert ("echo 'ünïcode \\n' > t.txt", 0) in cmds
    assert len([c for c in cmds if c[0].startswith("true")]) == 2  # duplicates are journaled too
    by_cmd = {c.cmd: c for c in journal.commands}
    cd = by_cmd["mkdir sub && cd sub"]
    assert cd.cwd_before == str(tmp_path) and cd.cwd_after == str(tmp_path / "sub")
    assert by_cmd['export MY_VAR="a b $HOME"'].env == {"MY_VAR": f"a b {tmp_path}"}
    assert by_cmd["unset MY_VAR"].env == {"MY_VAR": None}
    assert all(c.t_start_us <= c.t_end_us for c in journal.commands)
    assert journal.ended and journal.start["uid"] == os.getuid()
    assert journal.snapshots["start"].dpkg and journal.snapshots["end"].dpkg  # this host has dpkg
    assert journal.skipped_lines == 0
    assert (tmp_path / "sub" / "out.txt").read_text() == 'says "hi" \\ back\n'


def test_dockerfile_from_a_cluster_journal(tmp_path: Path, cli) -> None:
    journal = _bash_session(tmp_path, [
        "false", "ls -la", "cd /", "export TZ=Asia/Shanghai",
        "printf 'x\\n' > /dev/null", f"echo kept > {tmp_path}/kept.txt",
    ])
    out = tmp_path / "dockertmp"
    result = cli("dockerfile", str(journal), "--base", "bit:5000/deepo_9", "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    text = (out / "Dockerfile").read_text()
    lines = dockerfile_lines(text)
    assert next(l for l in lines if l.startswith("FROM")) == "FROM bit:5000/deepo_9"
    assert 'ENV TZ="Asia/Shanghai"' in lines
    assert f"RUN echo kept > {tmp_path}/kept.txt" in lines
    assert not any(l.startswith(("RUN false", "RUN ls", "RUN cd", "RUN printf")) for l in lines)
    doc = json.loads(result.stdout)
    assert doc["unseen"] and {d["cmd"] for d in doc["dropped"]} >= {"false", "ls -la", "cd /"}
    session = json.loads((out / ".imagesmith" / "session.json").read_text())
    assert session["journal"] and session["snapshots"]["end"]["dpkg"]
    again = cli("dockerfile", str(journal), "--base", "x", "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr


def test_dockerfile_rejects_bad_input(tmp_path: Path, cli) -> None:
    missing = cli("dockerfile", str(tmp_path / "nope.jsonl"), "--base", "x", "-o", str(tmp_path / "o"))
    assert missing.exit_code == 2 and "cannot read the journal" in missing.stderr
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n")
    bad = cli("dockerfile", str(junk), "--base", "x", "-o", str(tmp_path / "o"))
    assert bad.exit_code == 2 and "no journal entries" in bad.stderr
    assert not (tmp_path / "o").exists()
    assert "Traceback" not in missing.stderr + bad.stderr


def test_hook_json_escaping_of_every_control_character(tmp_path: Path) -> None:
    from imagesmith.record.hooktext import hook_snippet

    hook = tmp_path / "hook.bash"
    hook.write_text(hook_snippet(str(tmp_path / "j.jsonl"), snapshots=False))
    raw = "".join(chr(c) for c in range(1, 32)) + '"\\ ünï \x7f'
    script = f'source {hook} 2>/dev/null; __is_json "$1"; printf "%s" "$__is_out"'
    out = subprocess.run(["bash", "-c", script, "bash", raw], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == raw


def test_a_hook_that_failed_to_start_can_be_sourced_again(tmp_path: Path) -> None:
    def snippet(journal: Path) -> str:
        return subprocess.run([sys.executable, "-m", "imagesmith", "hook", "--journal", str(journal)],
                              capture_output=True, text=True, check=True).stdout

    good = tmp_path / "journal.jsonl"
    rc = tmp_path / "rc.bash"
    rc.write_text(f"PS1='{PROMPT}'\n")
    (tmp_path / "bad.bash").write_text(snippet(tmp_path / "no-such-dir" / "j.jsonl"))
    (tmp_path / "good.bash").write_text(snippet(good))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TERM": "dumb"}
    child = pexpect.spawn("bash", ["--noprofile", "--rcfile", str(rc), "-i"], cwd=str(tmp_path),
                          env=env, encoding="utf-8", timeout=60)
    child.expect(PROMPT)
    child.sendline(f"source {tmp_path}/bad.bash")
    child.expect("cannot write the journal")
    child.expect(PROMPT)
    child.sendline(f"source {tmp_path}/good.bash")
    child.expect("recording commands to")
    child.expect(PROMPT)
    child.sendline(f"source {tmp_path}/good.bash")
    child.expect("already recording to")
    child.expect(PROMPT)
    child.sendline("touch made-after-recovery")
    child.expect(PROMPT)
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert [c.cmd for c in read_journal(good).commands if "touch" in c.cmd] == ["touch made-after-recovery"]
