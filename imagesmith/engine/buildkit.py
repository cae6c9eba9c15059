"""Builds with BuildKit. docker-py has no BuildKit, so this drives the docker command-line
client with `--progress=plain` (`docker buildx build --load` where buildx is installed, else
`DOCKER_BUILDKIT=1 docker build`, which a 20.10 client does itself) and decodes its output into
the same BuildEvents as the legacy path.

Plain progress, as BuildKit prints it:

    #5 [2/3] RUN pip install tqdm          a step: vertex 5, stage step 2 of 3
    #5 0.512 Collecting tqdm               its output
    #5 CACHED                              taken from the cache
    #5 ERROR: executor failed running [/bin/sh -c false]: exit code: 1
    #8 writing image sha256:0a1b... done
    error: failed to solve: ...            (or `failed to solve with frontend dockerfile.v0: ...`)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from imagesmith.core.errors import EngineError, EngineRefused
from imagesmith.engine.events import BuildEvent
from imagesmith.engine.session import EngineSession, engine_url

_STEP = re.compile(r"^#(\d+) \[(?:(\S+) )?(\d+)/(\d+)\] (.*)$")
_CACHED = re.compile(r"^#(\d+) CACHED$")
_ERROR = re.compile(r"^#(\d+) ERROR: (.*)$")
_OUTPUT = re.compile(r"^#(\d+) \d+\.\d+ (.*)$")
_IMAGE = re.compile(r"^#\d+ writing image (sha256:[0-9a-f]{64})")
_SOLVE = re.compile(r"^(?:error: )?failed to solve(?: with frontend [\w.]+)?: (.*)$", re.IGNORECASE)
_EXIT = re.compile(r"exit code: (\d+)")


@dataclass(frozen=True)
class BuildKitClient:
    argv: tuple[str, ...]  # the build command up to its options
    env: tuple[tuple[str, str], ...]
    version: str


def _client_version(cli: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([cli, "version", "--format", "{{.Client.Version}}"],
                             capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(int(p) for p in re.findall(r"\d+", out)[:2])


def find_buildkit_client() -> BuildKitClient:
    """A docker client that builds with BuildKit against this engine: buildx where installed,
    else a client older than 23 (which honours DOCKER_BUILDKIT=1 without buildx)."""
    candidates = list(dict.fromkeys(c for c in (shutil.which("docker"), "/usr/bin/docker")
                                    if c and os.access(c, os.X_OK)))
    for cli in candidates:
        try:
            buildx = subprocess.run([cli, "buildx", "version"], capture_output=True, text=True,
                                    timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if buildx.returncode == 0:
            return BuildKitClient((cli, "buildx", "build", "--load"), (), buildx.stdout.strip())
    for cli in candidates:
        version = _client_version(cli)
        if version and version < (23,):
            return BuildKitClient((cli, "build"), (("DOCKER_BUILDKIT", "1"),),
                                  ".".join(map(str, version)))
    raise EngineError("no docker client here builds with BuildKit (none has buildx, none is "
                      "older than 23, which builds with DOCKER_BUILDKIT=1)",
                      hint="install docker-buildx, or build with --builder legacy")


class BuildKitOps(EngineSession):
    def buildkit_build(
        self,
        context: Path,
        *,
        tag: str | None = None,
        dockerfile: str = "Dockerfile",
        network_mode: str | None = None,
        buildargs: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        nocache: bool = False,
        pull: bool = False,
        target: str | None = None,
    ) -> Iterator[BuildEvent]:
        """Stream a BuildKit build as BuildEvents. Step events carry the instruction text (the
        caller maps it to a Dockerfile line) and `step`/`total` of its stage. A Dockerfile the
        frontend refuses raises EngineRefused; a failing step is an "error" event. Closing the
        iterator (Ctrl-C) interrupts the client, which cancels the build; nothing is tagged."""
        client = find_buildkit_client()
        argv = [*client.argv, "--progress=plain", "-f", str(Path(context) / dockerfile)]
        if tag:
            argv += ["-t", tag]
        for key, value in (labels or {}).items():
            argv += ["--label", f"{key}={value}"]
        for key, value in (buildargs or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        if network_mode:
            argv += ["--network", network_mode]
        if nocache:
            argv.append("--no-cache")
        if pull:
            argv.append("--pull")
        if target:
            argv += ["--target", target]
        argv.append(str(context))
        env = {**os.environ, **dict(client.env), "DOCKER_HOST": engine_url()}
        env.pop("BUILDKIT_PROGRESS", None)
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, text=True, errors="replace",
                                    env=env, start_new_session=True)
        except OSError as exc:
            raise EngineError(f"cannot run the docker client: {exc.strerror or exc}") from None
        try:
            for event in _events(proc):
                if event.kind == "done" and not event.image_id and tag:
                    # the containerd image store and buildx drivers name no image id: the tag does
                    event.image_id = self.inspect_image(tag).get("Id")
                yield event
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Interrupt a client still running (Ctrl-C, or the caller stopped reading): SIGINT makes
    it cancel the build on the engine, as the terminal's Ctrl-C would."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _events(proc: subprocess.Popen[str]) -> Iterator[BuildEvent]:
    assert proc.stdout is not None
    steps: dict[str, BuildEvent] = {}
    failed = False
    image: str | None = None
    solve: str | None = None
    ran = False
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        m = _STEP.match(line)
        if m:
            vertex, stage, k, n, text = m.groups()
            if vertex not in steps:
                ran = True
                steps[vertex] = BuildEvent("step", text.strip(), int(k), int(n), stage=stage or "")
                yield steps[vertex]
            continue
        m = _CACHED.match(line)
        if m and m.group(1) in steps:
            yield BuildEvent("cached", steps[m.group(1)].text)
            continue
        m = _ERROR.match(line)
        if m:
            failed = True
            code = _EXIT.search(m.group(2))
            if m.group(1) in steps:
                yield BuildEvent("error", m.group(2), error_detail={
                    "code": int(code.group(1)) if code else None, "step": steps[m.group(1)].text})
            else:
                solve = solve or m.group(2)
            continue
        m = _OUTPUT.match(line)
        if m:
            yield BuildEvent("log", m.group(2) + "\n")
            continue
        m = _IMAGE.match(line)
        if m:
            image = m.group(1)
            continue
        m = _SOLVE.match(line.strip())
        if m:
            solve = m.group(1)
    rc = proc.wait()
    if rc == 0:
        yield BuildEvent("done", image_id=image)
        return
    if failed and ran:
        return  # the failing step's error event says it
    why = solve or f"the docker client exited with status {rc}"
    if not ran or "dockerfile parse error" in why or "failed to create LLB definition" in why:
        raise EngineRefused(f"refused by BuildKit: {why}")
    yield BuildEvent("error", why)
