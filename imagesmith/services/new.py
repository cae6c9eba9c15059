"""`imagesmith new RECIPE`: a ready build folder from a recipe, checked against the node groups.

plan_new() renders everything in memory (choosing the base image and framework build through
the compat engine); write_build_folder() writes it atomically (a temp folder, then a rename).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from imagesmith.core.errors import ConfigError, UserInputError
from imagesmith.core.profile import NodeGroup, Profile
from imagesmith.recipe.choose import Choice, Evaluate, Option, Verdict, choose, options_for
from imagesmith.recipe.gpus import resolve_groups
from imagesmith.recipe.loader import all_recipes, load_recipe
from imagesmith.recipe.model import Recipe
from imagesmith.recipe.params import ParameterValues, parameter_values

CONFIG_NAME = "imagesmith.toml"
CONFIG_TEMPLATE = "recipes/imagesmith.toml.j2"


@dataclass
class Plan:
    """Everything `new` would write, before anything is written."""

    recipe: Recipe
    groups: list[NodeGroup]
    choice: Choice
    files: dict[str, bytes]  # name in the build folder -> content
    tests: list[dict[str, Any]]
    framework: str | None = None

    def to_dict(self, out: Path | None = None) -> dict[str, Any]:
        return {
            "recipe": self.recipe.name,
            "out": str(out) if out else None,
            "base_image": self.choice.option.base.name,
            "framework": self.framework,
            "status": self.choice.status,
            "groups": [
                {
                    "name": g.name,
                    "gpu": g.gpu,
                    "verdict": self.choice.verdicts[g.name].verdict,
                    "reasons": self.choice.verdicts[g.name].reasons,
                }
                for g in self.groups
            ],
            "files": sorted(self.files),
            "tests": self.tests,
        }


@dataclass
class NewResult:
    plan: Plan
    out: Path

    def to_dict(self) -> dict[str, Any]:
        return self.plan.to_dict(self.out)


def list_recipes() -> list[Recipe]:
    return all_recipes()


# -- the context templates and tests see ---------------------------------------


def _exact_pin(line: str) -> dict[str, str] | None:
    text = line.split(" #", 1)[0].split(" --", 1)[0].strip()
    if not text or text.startswith(("#", "-")):
        return None
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    specs = list(req.specifier)
    if (
        req.marker
        or req.url
        or len(specs) != 1
        or specs[0].operator != "=="
        or "*" in specs[0].version
    ):
        return None
    return {"name": req.name, "version": specs[0].version, "spec": text}


def _pins(recipe: Recipe, values: ParameterValues) -> list[dict[str, str]]:
    """Exact pins the image must show: pinned list parameters and pip requirements files."""
    lines: list[str] = []
    for key, param in recipe.parameters.items():
        value = values.values[key]
        if param.kind == "list" and param.pinned and isinstance(value, list):
            lines.extend(value)
        elif param.pip_requirements and isinstance(value, str) and value in values.files:
            lines.extend(
                values.files[value].read_text(encoding="utf-8", errors="replace").splitlines()
            )
    return [p for p in map(_exact_pin, lines) if p is not None]


def _framework_context(recipe: Recipe, option: Option) -> dict[str, Any] | None:
    fw, build = recipe.framework, option.build
    if fw is None or build is None:
        return None
    return {
        "package": build.package,
        "version": build.version,
        "variant": build.variant,
        "pin": build.pin,
        "requirement": build.requirement,
        "companions": build.companions,
        "find_links": fw.find_links if build.variant and not build.index_url else None,
        "index_url": build.index_url,
        "version_env": [k for k in fw.version_env if k in option.base.env],
    }


def _context(
    recipe: Recipe,
    values: ParameterValues,
    option: Option,
    profile: Profile,
    groups: Sequence[NodeGroup],
) -> dict[str, Any]:
    base = option.base
    return {
        **recipe.constants,
        **values.values,
        "recipe": recipe.name,
        "summary": recipe.summary,
        "base": base.name,
        "python": base.python,
        "python_version": base.python_version or "",
        "registry": profile.registry,
        "timezone": profile.jobs.timezone,
        "groups": [g.name for g in groups],
        "framework": _framework_context(recipe, option),
        "pins": _pins(recipe, values),
    }


def _render_string(recipe: Recipe, source: str, ctx: dict[str, Any], where: str) -> str:
    """A Jinja2 string from the recipe data (tests, changes), rendered with the recipe context."""
    import jinja2

    from imagesmith.render.env import environment

    # String templates are autoescaped by default; these are shell commands and prose, not HTML.
    wrapped = "{% autoescape false %}" + source + "{% endautoescape %}"
    try:
        return environment().from_string(wrapped).render(ctx)
    except (jinja2.UndefinedError, jinja2.TemplateSyntaxError) as exc:
        raise ConfigError(f"recipe {recipe.name}: {where}: {exc}") from None


def _render_tests(recipe: Recipe, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, test in enumerate(recipe.tests):
        items = ctx[test.for_each] if test.for_each else [None]
        for item in items:
            local = {**ctx, "item": item}
            where = f"tests[{index}]"
            out.append(
                {
                    "name": _render_string(recipe, test.name, local, where),
                    "run": _render_string(recipe, test.run, local, where),
                    "expect_exit": test.expect_exit,
                    "expect_stdout": (
                        _render_string(recipe, test.expect_stdout, local, where)
                        if test.expect_stdout is not None
                        else None
                    ),
                }
            )
    return out


def _render_files(
    recipe: Recipe, values: ParameterValues, ctx: dict[str, Any], profile: Profile
) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    from imagesmith.render.env import render

    tests = _render_tests(recipe, ctx)
    fw = ctx["framework"]
    config_ctx = {
        **ctx,
        "tests": tests,
        "changes": _render_string(recipe, recipe.changes, ctx, "changes"),
        "made": f"{fw['requirement']} on {ctx['base']}" if fw else ctx["base"],
    }
    files = {
        profile.build.dockerfile_name: render(recipe.template, ctx).encode("utf-8"),
        CONFIG_NAME: render(CONFIG_TEMPLATE, config_ctx).encode("utf-8"),
    }
    for name, source in values.files.items():
        files[name] = source.read_bytes()
    return files, tests


# -- the compat engine ----------------------------------------------------------


def _compat_evaluator(
    recipe: Recipe,
    values: ParameterValues,
    profile: Profile,
    groups: Sequence[NodeGroup],
    workdir: Path,
) -> Evaluate:
    """Ask the compat engine about the build folder each option would produce: the verdict is
    the one `imagesmith compat` gives for the written Dockerfile."""
    from imagesmith.services.compat import compat_for_dockerfile

    def evaluate(option: Option) -> dict[str, Verdict]:
        ctx = _context(recipe, values, option, profile, groups)
        folder = Path(tempfile.mkdtemp(dir=workdir))
        files, _ = _render_files(recipe, values, ctx, profile)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        report = compat_for_dockerfile(folder / profile.build.dockerfile_name, profile)
        return {v.name: Verdict(v.verdict, list(v.reasons), v.suggestion) for v in report.groups}

    return evaluate


def plan_new(
    recipe_name: str, profile: Profile, *, gpu: str | None = None, sets: Sequence[str] = ()
) -> Plan:
    recipe = load_recipe(recipe_name)
    groups = resolve_groups(gpu, profile)
    values = parameter_values(recipe, sets, profile)
    options = options_for(recipe, values, profile)
    with tempfile.TemporaryDirectory(prefix="imagesmith-new-") as work:
        evaluate = _compat_evaluator(recipe, values, profile, groups, Path(work))
        choice = choose(options, groups, evaluate)
    ctx = _context(recipe, values, choice.option, profile, groups)
    files, tests = _render_files(recipe, values, ctx, profile)
    build = choice.option.build
    return Plan(recipe, list(groups), choice, files, tests, build.requirement if build else None)


# -- writing ------------------------------------------------------------------------


def _check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out} exists and is not a folder", hint="give another -o DIR")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UserInputError(
            f"{out} is not empty", hint="use --force to replace it, or another -o DIR"
        )


def write_build_folder(plan: Plan, out: Path, *, force: bool = False) -> Path:
    """Write the plan's files to `out` all at once: a temp folder beside it, then a rename."""
    out = out.expanduser().absolute()
    _check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        tmp.chmod(0o755)
        for name, data in plan.files.items():
            (tmp / name).write_bytes(data)
        if out.is_dir() and any(out.iterdir()):
            old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.replace(out)  # an empty folder is replaced in one step
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def new_build_folder(
    recipe_name: str,
    profile: Profile,
    out: Path,
    *,
    gpu: str | None = None,
    sets: Sequence[str] = (),
    force: bool = False,
) -> NewResult:
    _check_target(out.expanduser().absolute(), force)  # fail before the compat work
    plan = plan_new(recipe_name, profile, gpu=gpu, sets=sets)
    return NewResult(plan, write_build_folder(plan, out, force=force))
