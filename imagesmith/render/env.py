"""The one Jinja2 environment: StrictUndefined, templates/ on the path, quoting by filters."""

from __future__ import annotations

import shlex
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from imagesmith.core.errors import UserInputError
from imagesmith.core.resources import templates_dir

if TYPE_CHECKING:  # pragma: no cover
    import jinja2


def shell_quote(value: Any) -> str:
    """Quote one word for a POSIX shell (`pkg>=1.0` -> `'pkg>=1.0'`)."""
    return shlex.quote(str(value))


def shell_join(values: Iterable[Any]) -> str:
    return " ".join(shlex.quote(str(v)) for v in values)


def toml_value(value: Any) -> str:
    """One TOML value (string, number, bool or array of those), written by tomli_w."""
    import tomli_w

    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


@lru_cache(maxsize=8)
def environment(extra_path: str | None = None) -> "jinja2.Environment":
    import jinja2

    paths = [str(templates_dir())] + ([extra_path] if extra_path else [])
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
    )
    env.filters["shquote"] = shell_quote
    env.filters["shjoin"] = shell_join
    env.filters["toml"] = toml_value
    return env


def render(template: str, context: dict[str, Any], *, extra_path: Path | None = None) -> str:
    import jinja2

    env = environment(str(extra_path) if extra_path else None)
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateNotFound:
        known = ", ".join(sorted(env.list_templates()))
        raise UserInputError(f"template not found: {template}", hint=f"known: {known}") from None
    except jinja2.UndefinedError as exc:
        raise UserInputError(f"template {template} needs a value that was not given: {exc.message}") from None
