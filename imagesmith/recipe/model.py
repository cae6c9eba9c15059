"""The recipe model: what `recipes/*.toml` may say, as dataclasses validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from imagesmith.core.typed_load import LoadError
from imagesmith.core.versions import try_parse

ParameterKind = Literal["string", "list", "file", "image", "version"]


@dataclass
class Parameter:
    """One `--set key=value` the recipe accepts."""

    description: str
    kind: ParameterKind = "string"
    default: str | list[str] | None = None
    allowed: list[str] = field(default_factory=list)
    required: bool = False
    # For kind = "file": the name the user's file gets inside the build folder.
    copy_to: str | None = None
    # For kind = "list": every item must be an exact `name==version` pin.
    pinned: bool = False
    # For kind = "file": a pip requirements file, whose exact pins become smoke tests.
    pip_requirements: bool = False

    def validate(self, path: str) -> None:
        if self.kind == "file" and not self.copy_to:
            raise LoadError(
                f"{path}.copy_to", "a file parameter needs copy_to (its name in the build folder)"
            )
        if self.kind != "file" and self.copy_to:
            raise LoadError(
                f"{path}.copy_to", "only file parameters are copied into the build folder"
            )
        if self.kind == "list" and isinstance(self.default, str):
            raise LoadError(f"{path}.default", "a list parameter needs a list default")
        if self.kind != "list" and isinstance(self.default, list):
            raise LoadError(f"{path}.default", f"a {self.kind} parameter needs a string default")
        if self.required and self.default not in (None, "", []):
            raise LoadError(f"{path}.default", "a required parameter has no default")
        if (
            self.allowed
            and isinstance(self.default, str)
            and self.default
            and self.default not in self.allowed
        ):
            raise LoadError(f"{path}.default", f"{self.default!r} is not in allowed")


@dataclass
class SmokeTest:
    """A check the built image must pass, run as the job uid. `run`, `name` and
    `expect_stdout` are Jinja2 strings rendered with the recipe context."""

    name: str
    run: str
    expect_exit: int = 0
    expect_stdout: str | None = None
    # Repeat the test once per item of this list in the context (bound as `item`).
    for_each: str | None = None


@dataclass
class Release:
    """How to install one framework release that the compat engine knows: which Python versions
    it has wheels for, what goes with it, and where its wheel variants are published. Which
    CUDA variants exist, and where they run, is the compat engine's knowledge, not the recipe's."""

    version: str
    python: str = ""  # a specifier set, e.g. ">=3.6,<3.10"
    # Pins installed with it; a variant build gives them the same label (torchvision==0.11.1+cu102).
    companions: list[str] = field(default_factory=list)
    # An extra package index for the variant builds; "{variant}" is replaced (whl/{variant}).
    index_url: str | None = None

    def validate(self, path: str) -> None:
        if try_parse(self.version) is None:
            raise LoadError(f"{path}.version", f"not a version: {self.version[:80]!r}")
        try:
            SpecifierSet(self.python)
        except InvalidSpecifier:
            raise LoadError(f"{path}.python", f"not a version specifier: {self.python!r}") from None

    def fits_python(self, python_version: str | None) -> bool:
        return (
            not self.python
            or not python_version
            or SpecifierSet(self.python).contains(python_version)
        )


@dataclass
class Framework:
    """The framework whose release / wheel variant the chooser picks."""

    package: str  # the compat engine's name for it: "torch", "tensorflow"
    parameter: str  # the parameter a user sets to ask for one version
    releases: list[Release]  # the releases this recipe can install; newest first
    find_links: str | None = (
        None  # where variant wheels are published (when a release has no index_url)
    )
    # ENV keys of a base image that state this framework's version; updated when it changes.
    version_env: list[str] = field(default_factory=list)

    def validate(self, path: str) -> None:
        if not self.releases:
            raise LoadError(f"{path}.releases", "needs at least one release")

    def release(self, version: str) -> Release | None:
        return next((r for r in self.releases if r.version == version), None)


@dataclass
class Recipe:
    name: str
    summary: str
    template: str
    # What the image adds, in words, for `changes` in [request] (a Jinja2 string).
    changes: str
    parameters: dict[str, Parameter] = field(default_factory=dict)
    tests: list[SmokeTest] = field(default_factory=list)
    framework: Framework | None = None
    description: str = ""
    # Base images must have a Python in this specifier set (e.g. ">=3" for a Python 3 installer).
    base_python: str = ""
    # Fixed values for the templates and tests that a user cannot --set.
    constants: dict[str, str] = field(default_factory=dict)

    def validate(self, path: str) -> None:
        if "base" not in self.parameters:
            raise LoadError(f"{path}parameters.base", "every recipe needs a base image parameter")
        clash = set(self.constants) & set(self.parameters)
        if clash:
            raise LoadError(f"{path}constants", f"also parameters: {', '.join(sorted(clash))}")
        if self.framework and self.framework.parameter not in self.parameters:
            raise LoadError(
                f"{path}framework.parameter",
                f"{self.framework.parameter!r} is not one of the parameters",
            )
