"""The engine module against the real Docker engine and the real local registry."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from imagesmith.core.errors import EngineUnavailable, UserInputError
from imagesmith.core.profile import load_profile
from imagesmith.engine import LABEL_SESSION, Engine
from tests.conftest import BUSYBOX, DEBIAN, DEEPO_9, run_cli


def test_unreachable_engine_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"unix://{tmp_path}/nothing.sock"
    monkeypatch.setenv("DOCKER_HOST", url)
    with pytest.raises(EngineUnavailable) as exc:
        Engine.connect(timeout=2)
    assert exc.value.one_line() == (
        f"Docker engine not reachable at {url}: start dockerd or set DOCKER_HOST")


def test_run_as_job_uid_without_passwd_entry(engine: Engine) -> None:
    res = engine.run(BUSYBOX, ["sh", "-c", "id -u; whoami 2>&1; echo $HOME"], user="1234")
    lines = res.stdout.splitlines()
    assert lines[0] == "1234"
    assert "unknown uid 1234" in res.stdout + res.stderr  # "I have no name!" on the cluster
    assert res.exit_code == 0


def test_run_has_no_network_by_default(engine: Engine) -> None:
    res = engine.run(BUSYBOX, ["sh", "-c", "ls /sys/class/net"])
    assert res.stdout.split() == ["lo"]


def test_run_timeout_kills_and_removes(engine: Engine) -> None:
    res = engine.run(BUSYBOX, ["sleep", "30"], timeout=2)
    assert res.timed_out and res.exit_code == 124
    assert engine.leftovers(engine.session_id) == []


def test_containers_are_labelled_and_cleaned_up(test_env: None) -> None:
    eng = Engine.connect()
    cid = eng.create(BUSYBOX, ["sleep", "60"])
    eng.start(cid)
    labels = eng.inspect_container(cid)["Config"]["Labels"]
    assert labels[LABEL_SESSION] == eng.session_id
    session = eng.session_id
    eng.close()
    with Engine.connect() as other:
        assert other.leftovers(session) == []


def test_exec_diff_commit(engine: Engine) -> None:
    cid = engine.create(BUSYBOX, ["sleep", "60"], role="session")
    engine.start(cid)
    res = engine.exec(cid, ["sh", "-c", "echo hello > /root/note.txt && cat /root/note.txt"])
    assert res.exit_code == 0 and res.stdout == "hello\n"
    changes = dict((path, kind) for kind, path in engine.diff(cid))
    assert changes.get("/root/note.txt") == "A"
    assert engine.read_file(cid, "/root/note.txt") == b"hello\n"
    image = engine.commit(cid)
    out = engine.run(image, ["cat", "/root/note.txt"])
    assert out.stdout == "hello\n"


def test_missing_image_is_input_error(engine: Engine) -> None:
    with pytest.raises(UserInputError, match="image not found"):
        engine.run("imagesmith/does-not-exist:1", ["true"])


def test_build_streams_steps_and_errors(engine: Engine, scratch_dir: Path) -> None:
    (scratch_dir / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo building\nRUN exit 7\n")
    events = list(engine.build(scratch_dir, nocache=True))
    steps = [e for e in events if e.kind == "step"]
    assert [(s.step, s.total) for s in steps] == [(1, 3), (2, 3), (3, 3)]
    assert steps[2].text == "Step 3/3 : RUN exit 7"
    errors = [e for e in events if e.kind == "error"]
    assert errors and "returned a non-zero code: 7" in errors[0].text
    assert any("building" in e.text for e in events if e.kind == "log")


def test_emulated_cluster_image_matches_profile(engine: Engine) -> None:
    """The emulated bit:5000/deepo_9 carries the ENV and metadata the profile states."""
    img = load_profile("default").find_image(DEEPO_9)
    assert img is not None
    env = engine.image_env(DEEPO_9)
    for key, value in img.env.items():
        assert env.get(key) == value, key
    res = engine.run(DEEPO_9, ["sh", "-c",
                               "cat /usr/local/cuda/version.txt; "
                               "python -c 'import torch, tensorflow; print(torch.__version__, tensorflow.__version__)'; "
                               "dpkg-query -W -f '${Package}=${Version}\\n' libcudnn7"], user="1234")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [
        f"CUDA Version {img.cuda}", "0.4.0 1.8.0", f"libcudnn7={img.cudnn}-1+cuda9.0"]


def test_push_to_bit_registry_and_pull_back(engine: Engine, scratch_dir: Path) -> None:
    ref = f"bit:5000/imagesmith-test/push-{engine.session_id}:1"
    (scratch_dir / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo {engine.session_id} > /id\n")
    built = [e for e in engine.build(scratch_dir, tag=ref) if e.kind in ("done", "error")]
    assert built and built[-1].kind == "done", built
    engine.track_image(ref)
    events = list(engine.push(ref))
    assert events[-1].kind == "done" and events[-1].digest.startswith("sha256:")
    with urllib.request.urlopen(f"http://127.0.0.1:5000/v2/imagesmith-test/push-{engine.session_id}/tags/list") as r:
        assert json.load(r)["tags"] == ["1"]
    engine.remove_image(ref)
    assert not engine.image_exists(ref)
    engine.pull(ref)
    assert engine.run(ref, ["cat", "/id"]).stdout.strip() == engine.session_id


def test_cli_engine_down_message(tmp_path: Path) -> None:
    """A command that needs the engine says so in one line with exit 2 (via `demo --engine on`)."""
    res = run_cli("demo", "--engine", "on", "--workdir", str(tmp_path),
                  env={"DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines()[-1] == (
        f"imagesmith: error: Docker engine not reachable at unix://{tmp_path}/none.sock: "
        "start dockerd or set DOCKER_HOST")
    assert "Traceback" not in res.stderr


def test_debian_base_can_reach_pypi_over_host_network(engine: Engine) -> None:
    """The CA bundle put into the base image lets pip inside containers verify HTTPS."""
    res = engine.run(DEBIAN, ["python3", "-c",
                              "import urllib.request as u; print(u.urlopen('https://pypi.org/simple/six/', timeout=30).status)"],
                     network_mode="host", timeout=60)
    assert res.stdout.strip() == "200", res.stderr
