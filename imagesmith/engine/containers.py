"""Containers: create, start, run to completion, exec, inspect, diff, copy files in and out, export."""

from __future__ import annotations

import io
import tarfile
import time
from typing import Any, Iterator, Sequence

from imagesmith.core.errors import EngineError, EngineNotFound
from imagesmith.engine.errors import is_timeout
from imagesmith.engine.events import RunResult
from imagesmith.engine.session import EngineSession


class ContainerOps(EngineSession):
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
        with self._call(f"creating a container from {image}", image=image):
            host_config = self.api.create_host_config(
                network_mode=network_mode,
                read_only=read_only,
                binds=dict(volumes) if volumes else None,
                tmpfs={"/tmp": "rw,size=64m"} if read_only else None,
                **(extra_host_config or {}),
            )
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
        cid = str(out["Id"])
        self.track_container(cid)
        return cid

    def start(self, container: str) -> None:
        with self._call(f"starting container {container[:12]}", container=container):
            self.api.start(container)

    def stop(self, container: str, timeout: int = 5) -> None:
        """Stop a container; one that is gone or stopped already is left alone."""
        try:
            with self._call(f"stopping container {container[:12]}", container=container):
                self.api.stop(container, timeout=timeout)
        except EngineError:
            pass

    def remove_container(self, container: str) -> None:
        """Remove a container and stop tracking it; one that is gone already is fine."""
        try:
            with self._call(f"removing container {container[:12]}", container=container):
                self.api.remove_container(container, force=True, v=True)
        except EngineError:
            pass
        self.keep(container)

    def inspect_container(self, container: str) -> dict[str, Any]:
        with self._call(f"inspecting container {container}", container=container):
            return dict(self.api.inspect_container(container))

    def container_exists(self, ref: str) -> bool:
        try:
            self.inspect_container(ref)
            return True
        except EngineNotFound:
            return False

    def is_running(self, container: str) -> bool:
        try:
            return bool(self.inspect_container(container)["State"]["Running"])
        except EngineNotFound:
            return False

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
            with self._call(f"running {image}", container=cid):
                self.api.start(cid)
                timed_out = False
                try:
                    status = self.api.wait(cid, timeout=timeout)
                    code = int(status.get("StatusCode", -1))
                except Exception as exc:  # the wait's own timeout: the command ran too long
                    if not is_timeout(exc):
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
        with self._call(f"running a command in container {container[:12]}", container=container):
            exec_id = self.api.exec_create(container, command, user=user or "",
                                           environment=environment, workdir=workdir,
                                           stdout=True, stderr=True)
            out, err = self.api.exec_start(exec_id, demux=True)
            code = self.api.exec_inspect(exec_id).get("ExitCode")
        return RunResult(int(code if code is not None else -1),
                         (out or b"").decode("utf-8", "replace"),
                         (err or b"").decode("utf-8", "replace"))

    def diff(self, container: str) -> list[tuple[str, str]]:
        """Changed paths as (kind, path) with kind one of 'C' (changed), 'A' (added), 'D' (deleted)."""
        kinds = {0: "C", 1: "A", 2: "D"}
        with self._call(f"listing the changes of container {container[:12]}", container=container):
            changes = self.api.diff(container) or []
        return [(kinds.get(item["Kind"], "?"), item["Path"]) for item in changes]

    def copy_out(self, container: str, path: str) -> bytes:
        """A tar stream of `path` in the container, as bytes."""
        with self._call(f"copying {path} out of container {container[:12]}",
                        container=container, path=path):
            stream, _ = self.api.get_archive(container, path)
            return b"".join(stream)

    def read_file(self, container: str, path: str) -> bytes | None:
        """One regular file's content, or None when it is missing or not a regular file."""
        try:
            data = self.copy_out(container, path)
        except EngineNotFound as exc:
            if exc.what == "path":
                return None
            raise
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
        with self._call(f"copying files into container {container[:12]}", container=container):
            self.api.put_archive(container, dest_dir, buf.getvalue())

    def export_stream(self, container: str) -> Iterator[bytes]:
        """The container's whole filesystem as a stream of tar chunks (mounts excluded)."""
        with self._call(f"exporting container {container[:12]}", container=container):
            yield from self.api.export(container)
