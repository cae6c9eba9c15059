"""The one error hierarchy. `imagesmith.cli.exitcodes` maps it to exit codes.

Every error carries a one-line message that says what went wrong, where, and
(when known) what to do about it.
"""

from __future__ import annotations

from pathlib import Path


class ImagesmithError(Exception):
    """Base of every error imagesmith raises on purpose."""

    def __init__(self, message: str, *, where: str | Path | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = str(where) if where is not None else None
        self.hint = hint

    def one_line(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class UserInputError(ImagesmithError):
    """Bad input: a missing file, a malformed Dockerfile, a bad option value. Exit 2."""


class UsageError(UserInputError):
    """The command line itself is wrong. Exit 2."""


class ProfileError(UserInputError):
    """A cluster profile that does not load or validate; `where` names the key path."""


class ConfigError(UserInputError):
    """An `imagesmith.toml` / `[tool.imagesmith]` table that does not validate."""


class DockerfileParseError(UserInputError):
    """A Dockerfile that cannot be parsed at all."""


class BundleRejected(UserInputError):
    """A request bundle that is unsafe or inconsistent; nothing was extracted."""


class EngineUnavailable(UserInputError):
    """The Docker engine cannot be reached."""

    def __init__(self, url: str, detail: str | None = None):
        msg = f"Docker engine not reachable at {url}: start dockerd or set DOCKER_HOST"
        super().__init__(msg)
        self.url = url
        self.detail = detail


class EngineNotAnswering(EngineUnavailable):
    """The engine's socket accepts connections but no answer comes within the timeout."""

    def __init__(self, url: str, seconds: float, detail: str | None = None):
        UserInputError.__init__(
            self, f"Docker engine at {url} did not answer within {seconds:g} s: "
                  "check that dockerd is healthy or set DOCKER_HOST")
        self.url = url
        self.detail = detail
        self.seconds = seconds


class EngineError(ImagesmithError):
    """The engine answered but refused or failed an operation (exit 3 unless a subclass says)."""


class EngineRefused(EngineError, UserInputError):
    """The engine refused a request because of its input: an invalid reference, a Dockerfile
    the builder rejects, a conflicting name. Exit 2. Also an `EngineError`, so that code that
    retries or gives up on any engine failure catches it too."""


class EngineNotFound(EngineRefused):
    """The image, container or path a request names does not exist in the engine.
    `what` is "image", "container", "path" or None when the engine did not say."""

    def __init__(self, message: str, *, what: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.what = what


class RegistryRefused(EngineRefused):
    """A push or pull that the registry denied, or a registry the engine cannot reach. Exit 2."""


class CheckFailed(ImagesmithError):
    """Work ran and its result is a failure: a build step failed, a verify check failed. Exit 1."""


class InternalError(ImagesmithError):
    """A bug in imagesmith. Exit 3 with a crash log."""
