"""The engine session: connecting, labels, tracking what the session creates, and cleanup.

Every container or temporary image created in a session carries the label
`org.imagesmith.session=<id>` and is removed when the session closes, on success, failure,
Ctrl-C (KeyboardInterrupt) and SIGTERM alike.
"""

from __future__ import annotations

import os
import uuid
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from imagesmith.core.errors import EngineError
from imagesmith.engine.errors import EngineCall, engine_call
from imagesmith.engine.versions import record_engine_version

if TYPE_CHECKING:  # pragma: no cover
    import docker

LABEL_SESSION = "org.imagesmith.session"
LABEL_ROLE = "org.imagesmith.role"
# How long the first exchange may take: a socket that accepts but never answers fails this fast.
DEFAULT_CONNECT_TIMEOUT = 5.0

_Session = TypeVar("_Session", bound="EngineSession")


def engine_url() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


class EngineSession:
    """A connection to the Docker engine that removes what it created when it closes."""

    def __init__(self, client: "docker.DockerClient", url: str):
        self.client = client
        self.api = client.api
        self.url = url
        self.session_id = uuid.uuid4().hex[:12]
        self._containers: list[str] = []
        self._images: list[str] = []

    @classmethod
    def connect(cls: type[_Session], timeout: float = 60.0, *,
                connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> _Session:
        """Connect and check that the engine answers within `connect_timeout` seconds; later
        requests may take `timeout` seconds each (streams such as builds have no limit)."""
        import docker

        url = engine_url()
        first = max(min(timeout, connect_timeout), 0.1)
        with engine_call("connecting to the engine", url=url, timeout=first, connecting=True):
            # ssh:// through the ssh client (no paramiko needed), as the docker CLI does
            client = docker.DockerClient(base_url=url, timeout=first, version="auto",
                                         use_ssh_client=url.startswith("ssh://"))
            try:
                client.ping()
                info = client.api.version(api_version=False)
            except BaseException:
                client.close()
                raise
        client.api.timeout = timeout
        record_engine_version(url, info)
        return cls(client, url)

    def close(self) -> None:
        try:
            self.cleanup()
        finally:
            self.client.close()

    def __enter__(self: _Session) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, doing: str, **subject: Any) -> AbstractContextManager[EngineCall]:
        """`with self._call("tagging X", image=X):` around every SDK call (engine/errors.py)."""
        return engine_call(doing, url=self.url, timeout=self.api.timeout, **subject)

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
        """Remove tracked containers, then images. One that is already gone or that the engine
        will not remove is skipped; an engine that went away raises EngineUnavailable."""
        for cid in reversed(self._containers):
            try:
                with self._call(f"removing container {cid[:12]}", container=cid):
                    self.api.remove_container(cid, force=True, v=True)
            except EngineError:
                pass
        self._containers.clear()
        for ref in reversed(self._images):
            try:
                with self._call(f"removing image {ref}", image=ref):
                    self.api.remove_image(ref, force=True, noprune=False)
            except EngineError:
                pass
        self._images.clear()

    def leftovers(self, session_id: str | None = None) -> list[str]:
        """Containers still carrying our session label (for tests and diagnostics)."""
        label = f"{LABEL_SESSION}={session_id}" if session_id else LABEL_SESSION
        return [c["Id"] for c in self.containers(filters={"label": label})]

    def containers(self, *, all: bool = True, filters: dict[str, Any] | None = None
                   ) -> list[dict[str, Any]]:
        """The engine's container list (`docker ps -a` as JSON)."""
        with self._call("listing containers"):
            return list(self.api.containers(all=all, filters=filters))
