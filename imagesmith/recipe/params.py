"""`--set key=value` strings checked against a recipe's parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import Profile
from imagesmith.core.versions import try_parse
from imagesmith.recipe.model import Parameter, Recipe

Value = str | list[str]


@dataclass
class ParameterValues:
    values: dict[str, Value]
    files: dict[str, Path] = field(default_factory=dict)  # copy_to name -> the user's file


def _split_assignments(assignments: Sequence[str], recipe: Recipe) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {}
    for text in assignments:
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserInputError(
                f"--set {text!r} is not key=value", hint="e.g. --set packages=six==1.16.0"
            )
        if key not in recipe.parameters:
            raise UserInputError(
                f"recipe {recipe.name} has no parameter {key!r}",
                hint=f"known: {', '.join(recipe.parameters)}",
            )
        given.setdefault(key, []).append(value.strip())
    return given


def _check_pin(item: str, key: str) -> str:
    try:
        req = Requirement(item)
    except InvalidRequirement as exc:
        raise UserInputError(f"--set {key}: {item!r} is not a pip requirement: {exc}") from None
    specs = list(req.specifier)
    if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version or req.url:
        raise UserInputError(
            f"--set {key}: {item!r} is not pinned",
            hint=f"write an exact version, e.g. {req.name}==1.2.3",
        )
    return item


def _convert(
    key: str, param: Parameter, raw: list[str], profile: Profile, files: dict[str, Path]
) -> Value:
    if param.kind == "list":
        items = [i.strip() for text in raw for i in text.split(",") if i.strip()]
        return [_check_pin(i, key) for i in items] if param.pinned else items
    if len(raw) > 1:
        raise UserInputError(f"--set {key} given {len(raw)} times", hint="give it once")
    value = raw[0]
    if param.allowed and value and value not in param.allowed:
        raise UserInputError(
            f"--set {key}={value!r} is not allowed", hint=f"allowed: {', '.join(param.allowed)}"
        )
    if param.kind == "file":
        path = Path(value).expanduser()
        if not path.is_file():
            raise UserInputError(f"--set {key}: file not found: {value}")
        assert param.copy_to is not None
        files[param.copy_to] = path
        return param.copy_to
    if param.kind == "image" and value:
        image = profile.find_image(value)
        if image is None:
            known = ", ".join(i.name for i in profile.catalog)
            raise UserInputError(
                f"--set {key}: {value!r} is not in the catalog of profile {profile.name}",
                hint=f"catalog: {known}",
            )
        return image.name
    if param.kind == "version" and value:
        if try_parse(value) is None:
            raise UserInputError(f"--set {key}: {value[:80]!r} is not a version")
    return value


def parameter_values(
    recipe: Recipe, assignments: Sequence[str], profile: Profile
) -> ParameterValues:
    given = _split_assignments(assignments, recipe)
    values: dict[str, Value] = {}
    files: dict[str, Path] = {}
    for key, param in recipe.parameters.items():
        if key in given:
            values[key] = _convert(key, param, given[key], profile, files)
        elif param.required:
            raise UserInputError(
                f"recipe {recipe.name} needs --set {key}=...", hint=param.description
            )
        else:
            default = param.default
            values[key] = list(default) if isinstance(default, list) else (default or "")
        if param.required and values[key] in ("", []):
            raise UserInputError(f"--set {key} is empty", hint=param.description)
    return ParameterValues(values, files)
