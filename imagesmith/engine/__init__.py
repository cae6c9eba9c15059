"""All Docker engine access, through the docker SDK. Nothing else imports `docker`.

`Engine` is the one facade; its operations live by resource:

- session.py     connect, labels, tracking, cleanup (every container or temporary image a
                 session creates is labelled `org.imagesmith.session=<id>` and removed when it
                 closes, on success, failure, Ctrl-C and SIGTERM alike)
- images.py      inspect, tag, remove, import, save, commit
- containers.py  create, start, run, exec, inspect, diff, copy in/out, export
- build.py       streamed builds; Docker's .dockerignore matcher
- registry.py    push, pull
- terminal.py    an interactive exec on this process's terminal (imagesmith record)
- errors.py      the one translation of SDK/HTTP errors into core/errors.py classes
- versions.py    SDK and engine versions, for crash logs
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from imagesmith.core.errors import CheckFailed, EngineUnavailable
from imagesmith.engine.build import BuildOps
from imagesmith.engine.containers import ContainerOps
from imagesmith.engine.buildkit import BuildKitOps
from imagesmith.engine.events import BuildEvent, PushEvent, RunResult
from imagesmith.engine.registry import RegistryOps
from imagesmith.engine.session import (
    DEFAULT_CONNECT_TIMEOUT,
    LABEL_ROLE,
    LABEL_SESSION,
    engine_url,
)
from imagesmith.engine.terminal import TerminalOps


class Engine(RegistryOps, ContainerOps, BuildOps, BuildKitOps, TerminalOps):
    """A session with the Docker engine that cleans up after itself."""


def engine_reachable(timeout: float = 3.0) -> bool:
    try:
        Engine.connect(timeout=timeout, connect_timeout=timeout).close()
        return True
    except EngineUnavailable:
        return False


@contextmanager
def engine_session(timeout: float = 60.0, *,
                   connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Iterator[Engine]:
    """`with engine_session() as eng:` connects, and always cleans up."""
    eng = Engine.connect(timeout=timeout, connect_timeout=connect_timeout)
    try:
        yield eng
    finally:
        eng.close()


__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "LABEL_ROLE",
    "LABEL_SESSION",
    "BuildEvent",
    "CheckFailed",
    "Engine",
    "PushEvent",
    "RunResult",
    "engine_reachable",
    "engine_session",
    "engine_url",
]
