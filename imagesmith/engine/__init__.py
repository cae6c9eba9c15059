"""All Docker engine access, through the docker SDK. Nothing else imports `docker`.

Every container or temporary image created here carries the label
`org.imagesmith.session=<id>` and is removed when the `Engine` session closes,
on success, failure, Ctrl-C (KeyboardInterrupt) and SIGTERM alike.
"""

from __future__ import annotations

import io
import os
import tarfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from imagesmith.core.errors import CheckFailed, EngineError, EngineUnavailable, UserInputError

if TYPE_CHECKING:  # pragma: no cover
    import docker

LABEL_SESSION = "org.imagesmith.session"
LABEL_ROLE = "org.imagesmith.role"


def engine_url() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def engine_reachable(timeout: float = 3.0) -> bool:
    try:
        Engine.connect(timeout=timeout).close()
        return True
    except EngineUnavailable:
        return False


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False


@dataclass
class BuildEvent:
    """One decoded event of a streamed build: a log chunk, a step header, an error or the result."""

    kind: str  # "step" | "log" | "error" | "done"
    text: str = ""
    step: int | None = None
    total: int | None = None
    image_id: str | None = None
    error_detail: dict[str, Any] | None = None


@dataclass
class PushEvent:
    kind: str  # "progress" | "status" | "error" | "done"
    text: str = ""
    layer: str | None = None
    current: int | None = None
    total: int | None = None
    digest: str | None = None


class Engine:
    """A session with the Docker engine that cleans up after itself."""

    def __init__(self, client: "docker.DockerClient", url: str):
        self.client = client
        self.api = client.api
        self.url = url
        self.session_id = uuid.uuid4().hex[:12]
        self._containers: list[str] = []
        self._images: list[str] = []

    # -- lifecycle ------------------------------------------------------------

    @classmethod
    def connect(cls, timeout: float = 60.0) -> "Engine":
        import docker
        from docker.errors import DockerException

        url = engine_url()
        try:
            client = docker.DockerClient(base_url=url, timeout=int(max(timeout, 1)), version="auto")
            client.ping()
        except (DockerException, OSError) as exc:
            raise EngineUnavailable(url, str(exc)) from None
        return cls(client, url)

    def close(self) -> None:
        self.cleanup()
        self.client.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def labels(self, role: str) -> dict[str, str]:
        return {LABEL_SESSION: self.session_id, LABEL_ROLE: role}

    def track_container(self, container_id: str) -> None:
        self._containers.append(container_id)

    def track_image(self, image_id: str) -> None:
        self._images.append(image_id)

    def keep(self, ref: str) -> None:
        """Stop tracking a container or image so that close() leaves it in place."""
        self._containers = [c for c in self._containers if c != ref]
        self._images = [i for i in self._images if i != ref]

    def cleanup(self) -> None:
        from docker.errors import APIError, NotFound

        for cid in reversed(self._containers):
            try:
                self.api.remove_container(cid, force=True, v=True)
            except NotFound:
                pass
            except APIError:
                pass
        self._containers.clear()
        for ref in reversed(self._images):
            try:
                self.api.remove_image(ref, force=True, noprune=False)
            except (NotFound, APIError):
                pass
        self._images.clear()

    def leftovers(self, session_id: str | None = None) -> list[str]:
        """Containers still carrying our session label (for tests and diagnostics)."""
        label = f"{LABEL_SESSION}={session_id}" if session_id else LABEL_SESSION
        return [c["Id"] for c in self.api.containers(all=True, filters={"label": label})]

    # -- images ---------------------------------------------------------------

    def image_exists(self, ref: str) -> bool:
        from docker.errors import ImageNotFound, NotFound

        try:
            self.api.inspect_image(ref)
            return True
        except (ImageNotFound, NotFound):
            return False

    def inspect_image(self, ref: str) -> dict[str, Any]:
        from docker.errors import ImageNotFound, NotFound

        try:
            return self.api.inspect_image(ref)
        except (ImageNotFound, NotFound):
            raise UserInputError(f"image not found in the local engine: {ref}",
                                 hint="build or pull it first") from None

    def image_env(self, ref: str) -> dict[str, str]:
        env = self.inspect_image(ref).get("Config", {}).get("Env") or []
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)

    def build(
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
    ) -> Iterator[BuildEvent]:
        """Stream a build. Intermediate containers are removed even when a step fails."""
        from docker.errors import APIError

        step_re = _step_regex()
        try:
            stream = self.api.build(
                path=str(context),
                dockerfile=dockerfile,
                tag=tag,
                rm=True,
                forcerm=True,
                network_mode=network_mode,
                buildargs=buildargs or {},
                labels=labels or {},
                nocache=nocache,
                pull=pull,
                decode=True,
            )
            for chunk in stream:
                if "stream" in chunk:
                    text = chunk["stream"]
                    m = step_re.match(text)
                    if m:
                        yield BuildEvent("step", text.strip(), int(m.group(1)), int(m.group(2)))
                    else:
                        yield BuildEvent("log", text)
                elif "error" in chunk:
                    yield BuildEvent("error", chunk["error"], error_detail=chunk.get("errorDetail"))
                    return
                elif "aux" in chunk and "ID" in chunk["aux"]:
                    yield BuildEvent("done", image_id=chunk["aux"]["ID"])
                elif "status" in chunk:
                    yield BuildEvent("log", chunk["status"] + "\n")
        except APIError as exc:
            raise EngineError(f"build refused by the engine: {exc.explanation or exc}") from None

    def tag(self, image: str, ref: str) -> None:
        repo, tag = _repo_tag(ref)
        self.api.tag(image, repo, tag or "latest")

    def remove_image(self, ref: str, force: bool = True) -> None:
        from docker.errors import APIError, NotFound

        try:
            self.api.remove_image(ref, force=force)
        except (NotFound, APIError):
            pass

    def push(self, ref: str) -> Iterator[PushEvent]:
        from docker.errors import APIError

        repo, tag = _repo_tag(ref)
        try:
            for chunk in self.api.push(repo, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    yield PushEvent("error", chunk["error"])
                    return
                detail = chunk.get("progressDetail") or {}
                if "aux" in chunk and "Digest" in chunk["aux"]:
                    yield PushEvent("done", digest=chunk["aux"]["Digest"])
                elif detail.get("total"):
                    yield PushEvent("progress", chunk.get("status", ""), chunk.get("id"),
                                    detail.get("current"), detail.get("total"))
                else:
                    yield PushEvent("status", chunk.get("status", ""), chunk.get("id"))
        except APIError as exc:
            raise EngineError(f"push of {ref} refused: {exc.explanation or exc}") from None

    def pull(self, ref: str) -> str:
        from docker.errors import APIError

        repo, tag = _repo_tag(ref)
        try:
            for chunk in self.api.pull(repo, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    raise EngineError(f"pull of {ref} failed: {chunk['error']}")
        except APIError as exc:
            raise EngineError(f"pull of {ref} refused: {exc.explanation or exc}") from None
        return self.inspect_image(ref)["Id"]

    def import_rootfs(self, tar_path: Path, ref: str, changes: Sequence[str] = ()) -> str:
        repo, tag = _repo_tag(ref)
        out = self.api.import_image_from_file(str(tar_path), repository=repo, tag=tag, changes=list(changes))
        return str(out)

    def save_image(self, ref: str, dest: Path) -> None:
        with open(dest, "wb") as fh:
            for chunk in self.api.get_image(ref):
                fh.write(chunk)

    def commit(self, container: str, ref: str | None = None, *, temporary: bool = True) -> str:
        repo, tag = (None, None)
        if ref:
            repo, tag = _repo_tag(ref)
        out = self.api.commit(container, repository=repo, tag=tag,
                              conf={"Labels": self.labels("commit")})
        image_id = out["Id"]
        if temporary:
            self.track_image(ref or image_id)
        return image_id

    # -- containers -----------------------------------------------------------

    def create(
        self,
        image: str,
        command: Sequence[str] | str | None = None,
        *,
        role: str = "probe",
        user: str | None = None,
        network_mode: str | None = "none",
        read_only: bool = False,
        environment: dict[str, str] | None = None,
        volumes: dict[str, dict[str, str]] | None = None,
        tty: bool = False,
        stdin_open: bool = False,
        working_dir: str | None = None,
        entrypoint: Sequence[str] | str | None = None,
        extra_host_config: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> str:
        from docker.errors import APIError, ImageNotFound

        binds = None
        if volumes:
            binds = {src: spec for src, spec in volumes.items()}
        host_config = self.api.create_host_config(
            network_mode=network_mode,
            read_only=read_only,
            binds=binds,
            tmpfs={"/tmp": "rw,size=64m"} if read_only else None,
            **(extra_host_config or {}),
        )
        try:
            out = self.api.create_container(
                image,
                command=command,
                user=user or "",
                environment=environment,
                host_config=host_config,
                labels=self.labels(role),
                tty=tty,
                stdin_open=stdin_open,
                working_dir=working_dir,
                entrypoint=entrypoint,
                network_disabled=network_mode == "none",
                name=name,
            )
        except ImageNotFound:
            raise UserInputError(f"image not found in the local engine: {image}",
                                 hint="build or pull it first") from None
        except APIError as exc:
            raise EngineError(f"cannot create a container from {image}: {exc.explanation or exc}") from None
        cid = out["Id"]
        self.track_container(cid)
        return cid

    def start(self, container: str) -> None:
        from docker.errors import APIError

        try:
            self.api.start(container)
        except APIError as exc:
            raise EngineError(f"cannot start container {container[:12]}: {exc.explanation or exc}") from None

    def stop(self, container: str, timeout: int = 5) -> None:
        from docker.errors import APIError, NotFound

        try:
            self.api.stop(container, timeout=timeout)
        except (NotFound, APIError):
            pass

    def remove_container(self, container: str) -> None:
        from docker.errors import APIError, NotFound

        try:
            self.api.remove_container(container, force=True, v=True)
        except (NotFound, APIError):
            pass
        self.keep(container)

    def is_running(self, container: str) -> bool:
        from docker.errors import NotFound

        try:
            return bool(self.api.inspect_container(container)["State"]["Running"])
        except NotFound:
            return False

    def inspect_container(self, container: str) -> dict[str, Any]:
        from docker.errors import NotFound

        try:
            return self.api.inspect_container(container)
        except NotFound:
            raise UserInputError(f"container not found: {container}") from None

    def run(
        self,
        image: str,
        command: Sequence[str] | str,
        *,
        timeout: float = 60.0,
        user: str | None = None,
        network_mode: str | None = "none",
        read_only: bool = False,
        environment: dict[str, str] | None = None,
        volumes: dict[str, dict[str, str]] | None = None,
        entrypoint: Sequence[str] | str | None = None,
        role: str = "probe",
    ) -> RunResult:
        """Run a command to completion in a fresh container, then remove the container."""
        cid = self.create(image, command, role=role, user=user, network_mode=network_mode,
                          read_only=read_only, environment=environment, volumes=volumes,
                          entrypoint=entrypoint)
        try:
            self.api.start(cid)
            timed_out = False
            try:
                status = self.api.wait(cid, timeout=timeout)
                code = int(status.get("StatusCode", -1))
            except Exception as exc:  # requests' ReadTimeout / ConnectionError on timeout
                if not _is_timeout(exc):
                    raise
                timed_out = True
                self.api.kill(cid)
                code = 124
            out = self.api.logs(cid, stdout=True, stderr=False).decode("utf-8", "replace")
            err = self.api.logs(cid, stdout=False, stderr=True).decode("utf-8", "replace")
            return RunResult(code, out, err, timed_out)
        finally:
            self.remove_container(cid)

    def exec(
        self,
        container: str,
        command: Sequence[str] | str,
        *,
        user: str | None = None,
        environment: dict[str, str] | None = None,
        workdir: str | None = None,
    ) -> RunResult:
        from docker.errors import APIError

        try:
            exec_id = self.api.exec_create(container, command, user=user or "", environment=environment,
                                           workdir=workdir, stdout=True, stderr=True)
            out, err = self.api.exec_start(exec_id, demux=True)
        except APIError as exc:
            raise EngineError(f"cannot run a command in container {container[:12]}: "
                              f"{exc.explanation or exc}") from None
        code = self.api.exec_inspect(exec_id).get("ExitCode")
        return RunResult(int(code if code is not None else -1),
                         (out or b"").decode("utf-8", "replace"), (err or b"").decode("utf-8", "replace"))

    def diff(self, container: str) -> list[tuple[str, str]]:
        """Changed paths as (kind, path) with kind one of 'C' (changed), 'A' (added), 'D' (deleted)."""
        kinds = {0: "C", 1: "A", 2: "D"}
        return [(kinds.get(item["Kind"], "?"), item["Path"]) for item in (self.api.diff(container) or [])]

    def copy_out(self, container: str, path: str) -> bytes:
        """A tar stream of `path` in the container, as bytes."""
        from docker.errors import NotFound

        try:
            stream, _ = self.api.get_archive(container, path)
        except NotFound:
            raise UserInputError(f"no such path in container: {path}") from None
        return b"".join(stream)

    def read_file(self, container: str, path: str) -> bytes | None:
        """One regular file's content, or None when it is missing or not a regular file."""
        try:
            data = self.copy_out(container, path)
        except UserInputError:
            return None
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = next((m for m in tar.getmembers() if m.isfile()), None)
            if member is None:
                return None
            fh = tar.extractfile(member)
            return fh.read() if fh else None

    def copy_in(self, container: str, dest_dir: str, files: dict[str, bytes]) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for name, content in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(content)
                info.mtime = int(time.time())
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(content))
        self.api.put_archive(container, dest_dir, buf.getvalue())


    # -- recording (imagesmith record) -------------------------------------------

    def interactive_exec(
        self,
        container: str,
        argv: Sequence[str],
        *,
        environment: dict[str, str] | None = None,
        user: str | None = None,
        workdir: str | None = None,
    ) -> int:
        """Run `argv` in a running container on this process's own terminal and return its exit
        status. Uses the docker CLI (`docker exec -it`) because it gives a real TTY: line editing,
        Ctrl-C to the foreground command, window size. Without a terminal, stdin is passed as is."""
        import shutil
        import subprocess
        import sys

        cli = shutil.which("docker")
        if cli is None:
            raise EngineError("an interactive shell needs the docker command-line client on PATH",
                              hint="install docker-ce-cli, or record in cluster mode with `imagesmith hook`")
        cmd = [cli, "exec", "-i"]
        if sys.stdin.isatty() and sys.stdout.isatty():
            cmd.append("-t")
        for key, value in (environment or {}).items():
            cmd += ["-e", f"{key}={value}"]
        if user:
            cmd += ["-u", user]
        if workdir:
            cmd += ["-w", workdir]
        cmd += [container, *argv]
        return subprocess.call(cmd, env={**os.environ, "DOCKER_HOST": self.url})

    def export_stream(self, container: str) -> Iterator[bytes]:
        """The container's whole filesystem as a stream of tar chunks (mounts excluded)."""
        from docker.errors import APIError, NotFound

        try:
            yield from self.api.export(container)
        except (APIError, NotFound) as exc:
            raise EngineError(f"cannot export container {container}: {exc}") from None

    def container_exists(self, ref: str) -> bool:
        from docker.errors import NotFound

        try:
            self.api.inspect_container(ref)
            return True
        except NotFound:
            return False


def _repo_tag(ref: str) -> tuple[str, str]:
    """`bit:5000/x:1` -> (`bit:5000/x`, `1`); no tag means `latest` (the registry port is no tag)."""
    from imagesmith.core.profile import split_image_ref

    repo, tag = split_image_ref(ref)
    return repo, tag or "latest"


def _is_timeout(exc: BaseException) -> bool:
    name = type(exc).__name__
    return "Timeout" in name or "timed out" in str(exc)


def _step_regex():  # type: ignore[no-untyped-def]
    import re

    return re.compile(r"^Step (\d+)/(\d+) : ")


def dockerignore_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Docker's own .dockerignore semantics (the SDK's matcher): `matches("a/b.txt")` is True
    when the path is excluded from the build context. Needs no engine connection."""
    from docker.utils.build import PatternMatcher

    return PatternMatcher(list(patterns)).matches


@contextmanager
def engine_session(timeout: float = 60.0) -> Iterator[Engine]:
    """`with engine_session() as eng:` connects, and always cleans up."""
    eng = Engine.connect(timeout=timeout)
    try:
        yield eng
    finally:
        eng.close()


__all__ = [
    "BuildEvent",
    "CheckFailed",
    "Engine",
    "PushEvent",
    "RunResult",
    "dockerignore_matcher",
    "engine_reachable",
    "engine_session",
    "engine_url",
]
