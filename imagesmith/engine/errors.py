"""The one place where docker SDK, HTTP and socket errors become imagesmith errors.

Every SDK call of the engine package runs inside `engine_call(...)`, as every request of the
SDK runs through its own `_raise_for_status`: raw `docker.errors.*` and `requests` exceptions
never leave `imagesmith.engine`. The classes (core/errors.py):

- the engine cannot be reached -> `EngineUnavailable` (`EngineNotAnswering` after a timeout)
- the request named something the engine does not have -> `EngineNotFound`
- the request itself is refused (bad reference, rejected Dockerfile, conflict) -> `EngineRefused`
- a push or pull the registry denies or cannot serve -> `RegistryRefused`
- anything else the engine reports -> `EngineError` with the engine's own message
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from imagesmith.core.errors import (
    EngineError,
    EngineNotAnswering,
    EngineNotFound,
    EngineRefused,
    EngineUnavailable,
    ImagesmithError,
    RegistryRefused,
)

# Engine messages that blame the registry (push, pull, FROM of a remote image).
_REGISTRY_TROUBLE = (
    "dial tcp", "no such host", "connection refused", "i/o timeout", "denied", "unauthorized",
    "authentication required", "no basic auth credentials", "manifest unknown", "name unknown",
    "not found", "repository does not exist", "http response to https client", "x509:", "tls:",
    "toomanyrequests",
)
# Engine messages with status 500 that are nonetheless about the request, not the engine.
_INPUT_TROUBLE = (
    "invalid reference format", "invalid argument", "cannot locate specified dockerfile",
    "dockerfile parse error", "is not running", "is paused", "executable file not found",
)
_IMAGE_MISSING = ("no such image", "reference does not exist", "does not exist locally")
_CONTAINER_MISSING = ("no such container",)
_PATH_MISSING = ("could not find the file", "no such file or directory")
_TIMEOUT_IN_TEXT = re.compile(r"timeout=(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class EngineCall:
    """What a block of SDK calls is doing, so that an error can say so and name its subject."""

    doing: str  # "tagging X as Y": the start of every message
    url: str
    timeout: float | None
    image: str | None = None
    container: str | None = None
    path: str | None = None
    registry: str | None = None
    connecting: bool = False

    def failure(self, message: str, status: int | None = None) -> ImagesmithError:
        """The error for a message the engine sent (an HTTP error body or a stream's error)."""
        text = message.strip()
        lower = text.lower()
        if self.registry and not _any(lower, _IMAGE_MISSING) and _any(lower, _REGISTRY_TROUBLE):
            return RegistryRefused(
                f"{self.doing}: {text}",
                hint=f"is the registry {self.registry} reachable, and allowed as insecure if "
                     "it is plain HTTP?")
        if status == 404 or (status is None and _any(lower, _IMAGE_MISSING + _CONTAINER_MISSING)):
            return self._not_found(text, lower)
        if status in (400, 401, 403, 409) or _any(lower, _INPUT_TROUBLE):
            return EngineRefused(f"{self.doing}: refused by the engine: {text}")
        return EngineError(f"{self.doing}: the engine failed: {text}")

    def _not_found(self, text: str, lower: str) -> EngineNotFound:
        if _any(lower, _CONTAINER_MISSING) or (self.container and not self.image
                                               and not _any(lower, _PATH_MISSING)):
            return EngineNotFound(f"container not found: {self.container or text}",
                                  what="container", hint="`docker ps -a` lists the containers")
        if self.path and _any(lower, _PATH_MISSING):
            return EngineNotFound(f"no such path in container: {self.path}", what="path")
        if self.image and (_any(lower, _IMAGE_MISSING) or not self.container):
            return EngineNotFound(f"image not found in the local engine: {self.image}",
                                  what="image", hint="build or pull it first")
        return EngineNotFound(f"{self.doing}: {text}")


@contextmanager
def engine_call(doing: str, *, url: str, timeout: float | None, image: str | None = None,
                container: str | None = None, path: str | None = None,
                registry: str | None = None, connecting: bool = False) -> Iterator[EngineCall]:
    """Run SDK calls; translate what they raise. Our own errors pass through unchanged."""
    call = EngineCall(doing, url, timeout, image, container, path, registry, connecting)
    try:
        yield call
    except ImagesmithError:
        raise
    except Exception as exc:
        translated = translate(exc, call)
        if translated is None:
            raise
        raise translated from exc


def translate(exc: BaseException, call: EngineCall) -> ImagesmithError | None:
    """The imagesmith error for an exception an SDK call raised; None when it is not the
    engine's (a file error of our own, a bug), so that it keeps its own handling."""
    from docker.errors import APIError, DockerException, InvalidArgument, InvalidRepository
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import RequestException

    if isinstance(exc, APIError) and not call.connecting:
        # The engine answered: its message says what is wrong (even "... timed out" there is
        # the registry's, not ours).
        status = exc.response.status_code if exc.response is not None else None
        return call.failure(str(exc.explanation or exc), status)
    seconds = _timed_out(exc, call.timeout)
    if seconds is not None:
        return EngineNotAnswering(call.url, seconds, str(exc))
    if call.connecting and isinstance(exc, (DockerException, RequestException, OSError)):
        return EngineUnavailable(call.url, str(exc))
    if isinstance(exc, (RequestsConnectionError, ConnectionError)):
        return EngineUnavailable(call.url, str(exc))
    if isinstance(exc, (InvalidArgument, InvalidRepository)) or (
            type(exc) is DockerException and str(exc).lower().startswith("invalid")):
        # The SDK's own argument checks ("invalid tag 'X': invalid reference format").
        return EngineRefused(f"{call.doing}: {exc}")
    if isinstance(exc, (DockerException, RequestException)):
        return EngineError(f"{call.doing}: the engine failed: {exc}")
    return None


def is_timeout(exc: BaseException) -> bool:
    """True for a read/connect timeout, whichever layer (socket, urllib3, requests) raised it."""
    return _timed_out(exc, None) is not None


def _timed_out(exc: BaseException, default: float | None) -> float | None:
    """The timeout in seconds when `exc` is (or wraps) a timeout, else None."""
    from requests.exceptions import Timeout
    from urllib3.exceptions import NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    for item in _chain(exc):
        # urllib3 files a refused connection (NewConnectionError) under its timeouts.
        if isinstance(item, (Timeout, Urllib3Timeout, TimeoutError)) and not isinstance(
                item, NewConnectionError):
            found = _TIMEOUT_IN_TEXT.search(str(exc))
            if found:
                return float(found.group(1))
            return default if default is not None else 0.0
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes and the exceptions it wraps in its args (requests wraps urllib3's)."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 20:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [a for a in item.args if isinstance(a, BaseException)]
        if item.__cause__ is not None:  # not __context__: an error handled on the way is no cause
            todo.append(item.__cause__)


def _any(text: str, fragments: tuple[str, ...]) -> bool:
    return any(f in text for f in fragments)
