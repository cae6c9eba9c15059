"""The engine module against the real Docker engine and the real local registry."""

from __future__ import annotations

import json
import socket
import tarfile
import threading
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path
from typing import Iterator

import pytest

from imagesmith.core.errors import (
    EngineNotAnswering,
    EngineNotFound,
    EngineRefused,
    EngineUnavailable,
    RegistryRefused,
    UserInputError,
)
from imagesmith.core.profile import load_profile
from imagesmith.engine import LABEL_SESSION, Engine
from tests.conftest import BUSYBOX, DEBIAN, DEEPO_9, run_cli

# Nothing listens here: a registry the engine cannot reach.
DEAD_REGISTRY = "127.0.0.1:5999"


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


# -- errors: every engine refusal is one imagesmith error, never a raw SDK exception -------------

def _one_line(exc: pytest.ExceptionInfo[Exception]) -> str:
    line = exc.value.one_line()  # type: ignore[attr-defined]
    assert "\n" not in line
    return line


def test_tag_of_unknown_image(engine: Engine) -> None:
    with pytest.raises(EngineNotFound) as exc:
        engine.tag("imagesmith/does-not-exist:1", "imagesmith/renamed:1")
    assert exc.value.what == "image"
    assert isinstance(exc.value, UserInputError)
    assert _one_line(exc) == ("image not found in the local engine: imagesmith/does-not-exist:1 "
                              "(build or pull it first)")


def test_tag_with_invalid_reference_is_refused(engine: Engine) -> None:
    with pytest.raises(EngineRefused, match="invalid reference format"):
        engine.tag(BUSYBOX, "Upper/Case:1")


def test_inspect_of_missing_container(engine: Engine) -> None:
    with pytest.raises(EngineNotFound) as exc:
        engine.inspect_container("imagesmith-no-such-container")
    assert exc.value.what == "container"
    assert _one_line(exc).startswith("container not found: imagesmith-no-such-container")
    assert not engine.container_exists("imagesmith-no-such-container")
    assert not engine.is_running("imagesmith-no-such-container")


def test_run_of_missing_image(engine: Engine) -> None:
    with pytest.raises(EngineNotFound) as exc:
        engine.run("imagesmith/does-not-exist:1", ["true"])
    assert exc.value.what == "image"
    assert "imagesmith/does-not-exist:1" in _one_line(exc)
    assert engine.leftovers(engine.session_id) == []


def test_commit_of_missing_container(engine: Engine) -> None:
    with pytest.raises(EngineNotFound) as exc:
        engine.commit("imagesmith-no-such-container", "imagesmith/commit-test:1")
    assert exc.value.what == "container"
    assert not engine.image_exists("imagesmith/commit-test:1")


def test_exec_in_stopped_container_is_refused(engine: Engine) -> None:
    cid = engine.create(BUSYBOX, ["true"])
    with pytest.raises(EngineRefused, match="is not running"):
        engine.exec(cid, ["true"])


def test_missing_path_in_container_versus_missing_container(engine: Engine) -> None:
    cid = engine.create(BUSYBOX, ["true"])
    assert engine.read_file(cid, "/no/such/file") is None
    with pytest.raises(EngineNotFound) as exc:
        engine.copy_out(cid, "/no/such/file")
    assert exc.value.what == "path" and _one_line(exc) == "no such path in container: /no/such/file"
    with pytest.raises(EngineNotFound) as gone:
        engine.read_file("imagesmith-no-such-container", "/etc/hostname")
    assert gone.value.what == "container"


def test_save_to_a_path(engine: Engine, tmp_path: Path) -> None:
    dest = tmp_path / "busybox.tar"
    engine.save_image(BUSYBOX, dest)
    with tarfile.open(dest) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["RepoTags"] == [BUSYBOX]
    missing = tmp_path / "missing.tar"
    with pytest.raises(EngineNotFound, match="imagesmith/does-not-exist:1"):
        engine.save_image("imagesmith/does-not-exist:1", missing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busybox.tar"]  # no partial file
    with pytest.raises(UserInputError, match="no such folder"):
        engine.save_image(BUSYBOX, tmp_path / "no" / "such" / "x.tar")


def test_build_of_a_dockerfile_the_builder_rejects(engine: Engine, scratch_dir: Path) -> None:
    (scratch_dir / "Dockerfile").write_text(f"FROM {BUSYBOX}\nFROBNICATE everything\n")
    with pytest.raises(EngineRefused) as exc:
        list(engine.build(scratch_dir))
    assert "unknown instruction: FROBNICATE" in _one_line(exc)
    with pytest.raises(EngineRefused, match="invalid tag"):
        list(engine.build(scratch_dir, tag="Not A Tag"))


def test_push_to_unreachable_registry(engine: Engine) -> None:
    ref = f"{DEAD_REGISTRY}/imagesmith-test/push-{engine.session_id}:1"
    engine.tag(BUSYBOX, ref)
    engine.track_image(ref)
    with pytest.raises(RegistryRefused) as exc:
        list(engine.push(ref))
    line = _one_line(exc)
    assert line.startswith(f"pushing {ref}: ") and "connection refused" in line
    assert DEAD_REGISTRY in line
    with pytest.raises(RegistryRefused, match="connection refused"):
        engine.pull(ref)
    with pytest.raises(EngineNotFound) as missing:
        list(engine.push(f"{DEAD_REGISTRY}/imagesmith-test/never-built-{engine.session_id}:1"))
    assert missing.value.what == "image"


def test_cli_push_to_unreachable_registry_is_exit_2(test_env: None, scratch_dir: Path,
                                                     tmp_path: Path) -> None:
    profile = tmp_path / "dead-registry.toml"
    profile.write_text(f'extends = "default"\nregistry = "{DEAD_REGISTRY}"\n')
    (scratch_dir / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN true\n")
    ref = f"{DEAD_REGISTRY}/imagesmith-test/cli-push:{tmp_path.name[-12:]}"
    try:
        res = run_cli("build", str(scratch_dir), "-t", ref, "--push", "--no-lint",
                      "--profile", str(profile), timeout=300)
    finally:
        with Engine.connect() as eng:
            eng.remove_image(ref)
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("imagesmith:")]
    assert res.exit_code == 2, res.stderr
    assert lines == [lines[-1]] and lines[-1].startswith(f"imagesmith: error: pushing {ref}: ")
    assert "connection refused" in lines[-1] and "Traceback" not in res.stderr


def test_cli_build_of_rejected_dockerfile_is_exit_2(test_env: None, scratch_dir: Path) -> None:
    (scratch_dir / "Dockerfile").write_text(f"FROM {BUSYBOX}\nFROBNICATE everything\n")
    res = run_cli("build", str(scratch_dir), "-t", "imagesmith-test/rejected:1", "--no-lint")
    assert res.exit_code == 2, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("imagesmith: error: building ") and "FROBNICATE" in last
    assert "Traceback" not in res.stderr


def test_cli_verify_of_missing_image_is_exit_2(test_env: None) -> None:
    res = run_cli("verify", "imagesmith/does-not-exist:1")
    assert res.exit_code == 2, res.stderr
    assert res.stderr.strip().splitlines() == [
        "imagesmith: error: image not found in the local engine: imagesmith/does-not-exist:1 "
        "(build or pull it first)"]


# -- an engine socket that accepts but never answers ----------------------------------------------

@pytest.fixture()
def silent_socket(tmp_path: Path) -> Iterator[str]:
    """DOCKER_HOST for a unix socket that accepts connections and never answers."""
    path = tmp_path / "silent.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"unix://{path}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()
    assert accepted, "the client never connected: the test did not test the timeout"


def test_silent_engine_fails_within_the_connect_timeout(
        silent_socket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", silent_socket)
    start = time.monotonic()
    with pytest.raises(EngineNotAnswering) as exc:
        Engine.connect()  # the default: 60 s per request, but only 5 s to answer at all
    elapsed = time.monotonic() - start
    assert 4 < elapsed < 10, elapsed
    assert isinstance(exc.value, EngineUnavailable)
    assert exc.value.one_line() == (
        f"Docker engine at {silent_socket} did not answer within 5 s: "
        "check that dockerd is healthy or set DOCKER_HOST")
    start = time.monotonic()
    with pytest.raises(EngineNotAnswering, match="within 1.5 s"):
        Engine.connect(connect_timeout=1.5)
    assert time.monotonic() - start < 4


def test_cli_silent_engine_is_exit_2(silent_socket: str, tmp_path: Path) -> None:
    start = time.monotonic()
    res = run_cli("verify", BUSYBOX, env={"DOCKER_HOST": silent_socket}, timeout=60)
    assert time.monotonic() - start < 15
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        f"imagesmith: error: Docker engine at {silent_socket} did not answer within 5 s: "
        "check that dockerd is healthy or set DOCKER_HOST"]


# -- crash logs name the versions a bug report needs ---------------------------------------------

def test_crash_log_carries_versions(engine: Engine, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    from imagesmith import __version__
    from imagesmith.cli.main import _crash_log

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    server = engine.client.version()
    text = _crash_log(RuntimeError("simulated")).read_text()
    assert f"imagesmith: {__version__}\n" in text
    assert f"Python: {platform.python_version()} " in text
    assert f"docker SDK: {version('docker')}\n" in text
    assert f"engine: {server['Version']} (API {server['ApiVersion']}) at {engine.url}" in text
    assert "RuntimeError: simulated" in text
