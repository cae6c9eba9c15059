"""Turn parsed TOML tables into typed dataclasses, with errors that name the key path.

One small generic mechanism shared by the profile, config and recipe models,
so each model is a plain dataclass and validation is declared by its types.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Callable, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


class LoadError(ValueError):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def convert(tp: Any, value: Any, path: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None and len(args) < len(get_args(tp)):
            return None
        errors = []
        for arg in args:
            try:
                return convert(arg, value, path)
            except LoadError as exc:
                errors.append(exc.message)
        raise LoadError(path, f"expected {' or '.join(_type_name(a) for a in args)}, got {value!r}")
    if origin is typing.Literal:
        if value not in get_args(tp):
            allowed = ", ".join(repr(a) for a in get_args(tp))
            raise LoadError(path, f"must be one of {allowed}, got {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise LoadError(path, f"expected a list, got {type(value).__name__}")
        (item_tp, *_) = get_args(tp) or (Any,)
        items = [convert(item_tp, v, _join(path, i)) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise LoadError(path, f"expected a table, got {type(value).__name__}")
        key_tp, val_tp = get_args(tp) or (str, Any)
        return {str(k): convert(val_tp, v, _join(path, str(k))) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return from_mapping(tp, value, path)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        # TOML users write `driver = 470.82` or `cuda = 9.0`; versions are strings here.
        return str(value)
    if isinstance(tp, type):
        if isinstance(value, bool) and tp is int:
            raise LoadError(path, f"expected int, got {value!r}")
        if not isinstance(value, tp):
            raise LoadError(path, f"expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
        return value
    raise LoadError(path, f"unsupported type {tp!r}")


def from_mapping(cls: type[T], data: Any, path: str = "") -> T:
    """Build dataclass `cls` from a mapping; unknown keys and wrong types are errors."""
    if not isinstance(data, dict):
        raise LoadError(path, f"expected a table, got {type(data).__name__}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    aliases = {f.name.replace("_", "-"): f.name for f in fields.values()}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = key if key in fields else aliases.get(key)
        if name is None:
            import difflib

            # name the keys the way the file writes them (`fail-on` in [lint], `folder_name`
            # in profiles): both spellings are accepted
            dashed = "-" in str(key) or any("-" in str(k) for k in data)
            names = sorted(n.replace("_", "-") if dashed else n for n in fields)
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise LoadError(_join(path, key), f"unknown key ({hint}known: {', '.join(names)})")
        kwargs[name] = convert(hints[name], value, _join(path, key))
    for f in fields.values():
        if f.name not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            raise LoadError(_join(path, f.name), "required key is missing")
    obj = cls(**kwargs)
    validate: Callable[[str], None] | None = getattr(obj, "validate", None)
    if validate is not None:
        validate(path)
    return obj


def to_mapping(obj: Any) -> Any:
    """The inverse for dumping: dataclasses to plain dicts, dropping None values."""
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in dataclasses.fields(obj):
            if f.metadata.get("dump") is False:
                continue
            v = to_mapping(getattr(obj, f.name))
            if v is not None:
                out[f.name] = v
        return out
    if isinstance(obj, (list, tuple)):
        return [to_mapping(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_mapping(v) for k, v in obj.items()}
    return obj
