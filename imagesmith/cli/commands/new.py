"""`imagesmith new RECIPE`: write a ready build folder from a recipe; `--list` shows recipes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


@app.command()
def new(
    recipe: Optional[str] = typer.Argument(None, help="Recipe name; see --list."),
    list_: bool = typer.Option(False, "--list", help="List the recipes, one per line, and exit."),
    gpu: Optional[str] = typer.Option(
        None,
        "--gpu",
        help="GPUs or node groups the image must run on: e.g. 1080ti,k80, "
        "G131-G144, or all (default: all).",
    ),
    set_: Optional[List[str]] = typer.Option(
        None, "--set", help="A recipe parameter, key=value (repeatable), e.g. packages=six==1.16.0."
    ),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        help="Build folder to write (default: ./dockertmp, the cluster's name).",
    ),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty output folder."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Write a ready build folder from a recipe, for the GPUs you name.

    Writes Dockerfile, imagesmith.toml (request fields to fill in, the recipe's smoke tests)
    and the files the recipe needs. The base image and framework build are chosen so that
    the compat engine says they run on every requested node group.

    Exit codes: 0 written; 1 no choice runs on every requested node group (nothing written);
    2 bad input (unknown recipe or parameter, non-empty folder without --force).

    Example: imagesmith new pip-extras --set packages=six==1.16.0,tqdm==4.66.1 -o dockertmp
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.core.profile import select_profile
    from imagesmith.services.new import list_recipes, new_build_folder

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text or json")
    if list_:
        recipes = list_recipes()
        if fmt == "json":
            _dump(
                [
                    {"name": r.name, "summary": r.summary, "parameters": list(r.parameters)}
                    for r in recipes
                ]
            )
        else:
            width = max((len(r.name) for r in recipes), default=0)
            for r in recipes:
                print(f"{r.name:<{width}}  {r.summary}")
        return 0
    if not recipe:
        raise UsageError(
            "name a recipe, or use --list",
            hint="e.g. imagesmith new pip-extras --set packages=six==1.16.0",
        )
    prof = select_profile(profile, Path.cwd())
    target = out if out is not None else Path(prof.build.folder_name)
    result = new_build_folder(recipe, prof, target, gpu=gpu, sets=set_ or [], force=force)
    if fmt == "json":
        _dump(result.to_dict())
        return 0
    plan = result.plan
    made = (
        plan.framework + " on " + plan.choice.option.base.name
        if plan.framework
        else plan.choice.option.base.name
    )
    print(f"wrote {result.out}: {', '.join(sorted(plan.files))}")
    print(f"  {plan.recipe.name}: {made}")
    for g in plan.groups:
        v = plan.choice.verdicts[g.name]
        why = f" ({'; '.join(v.reasons)})" if v.reasons and v.verdict != "runs" else ""
        print(f"  {g.name} ({g.gpu}): {v.verdict}{why}")
    print(
        f"next: fill in [request] in {result.out / 'imagesmith.toml'}, then "
        f"`imagesmith lint {result.out}` and `imagesmith build {result.out}`"
    )
    return 0


def _dump(data: object) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")
