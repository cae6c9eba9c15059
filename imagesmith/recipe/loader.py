"""Find and load `recipes/*.toml`; a bad recipe is one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path


from imagesmith.core.config import read_toml
from imagesmith.core.errors import ConfigError, UserInputError
from imagesmith.core.resources import recipes_dir, templates_dir
from imagesmith.core.typed_load import LoadError, from_mapping
from imagesmith.recipe.model import Recipe


def recipe_paths() -> dict[str, Path]:
    return {p.stem: p for p in sorted(recipes_dir().glob("*.toml"))}


def load_recipe_file(path: Path) -> Recipe:
    data = read_toml(path, ConfigError, "recipe")
    try:
        recipe = from_mapping(Recipe, data)
    except LoadError as exc:
        raise ConfigError(exc.message, where=f"{path}: {exc.path}" if exc.path else path) from None
    if recipe.name != path.stem:
        raise ConfigError(f"name {recipe.name!r} differs from the file name", where=f"{path}: name")
    if not (templates_dir() / recipe.template).is_file():
        raise ConfigError(
            f"template {recipe.template!r} not found under {templates_dir()}",
            where=f"{path}: template",
        )
    return recipe


def load_recipe(name: str) -> Recipe:
    paths = recipe_paths()
    if name not in paths:
        raise UserInputError(
            f"unknown recipe {name!r}",
            hint=f"known: {', '.join(paths)}; see `imagesmith new --list`",
        )
    return load_recipe_file(paths[name])


def all_recipes() -> list[Recipe]:
    return [load_recipe_file(p) for p in recipe_paths().values()]
