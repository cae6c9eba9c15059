"""`imagesmith profile ...`: show the effective cluster profile."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION

profile_app = typer.Typer(
    help="Show the cluster profile in effect (catalog, node groups, drivers, job limits), list "
    "profiles, or detect a node's real GPU and driver from nvidia-smi.\n\n"
    "Example: imagesmith profile show --format json",
    no_args_is_help=True,
)
app.add_typer(profile_app, name="profile")


@profile_app.command("show")
def show(
    profile: Optional[str] = PROFILE_OPTION,
    target: Path = typer.Option(Path("."), "--for", help="Resolve project config from this folder."),
    fmt: str = typer.Option("text", "--format", help="text, toml or json."),
) -> int:
    """Print the effective profile and where it came from.

    Example: imagesmith profile show --profile ./mycluster.toml
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.core.profile import profile_as_dict, select_profile

    prof = select_profile(profile, target)
    data = profile_as_dict(prof)
    if fmt == "json":
        json.dump({"source": prof.source, "profile": data}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif fmt == "toml":
        import tomli_w

        sys.stdout.write(f"# source: {prof.source}\n")
        sys.stdout.write(tomli_w.dumps(data))
    elif fmt == "text":
        sys.stdout.write(render_text(prof))
    else:
        raise UsageError(f"unknown --format {fmt!r}", hint="use text, toml or json")
    return 0


def render_text(prof: "Profile") -> str:  # noqa: F821 - imported lazily
    lines = [
        f"profile {prof.name} (version {prof.version})",
        f"  source:   {prof.source}",
        f"  registry: {prof.registry}",
        f"  build:    folder '{prof.build.folder_name}', file '{prof.build.dockerfile_name}', "
        f"network {prof.build.network}, volumes {'allowed' if prof.build.volumes_allowed else 'not allowed'}",
        f"  paths:    home {prof.paths.home}, data {prof.paths.data}, public {prof.paths.public}",
        f"  jobs:     queues {', '.join(prof.jobs.queues)} (default {prof.jobs.default_queue}), "
        f"cores {', '.join(f'{k}={v}' for k, v in prof.jobs.core_flags.items())}, "
        f"walltime {prof.jobs.default_walltime}, CPU limit {prof.jobs.cpu_limit_percent}%, "
        f"job uid {prof.jobs.job_uid} ({'with' if prof.jobs.uid_has_passwd_entry else 'no'} passwd entry)",
        "  catalog:",
    ]
    for img in prof.catalog:
        assumed = f"  [assumed: {', '.join(img.assumed)}]" if img.assumed else ""
        lines.append(
            f"    {img.name}: CUDA {img.cuda or '-'}, cuDNN {img.cudnn or '-'}, "
            f"python {img.python} ({img.python_version or '?'}){assumed}"
        )
    lines.append("  node groups:")
    for g in prof.node_groups:
        lines.append(
            f"    {g.name}: {g.gpus_per_node}x {g.gpu} (sm_{g.compute_capability.replace('.', '')}), "
            f"driver {g.driver} ({g.driver_source})"
        )
    return "\n".join(lines) + "\n"


@profile_app.command("list")
def list_profiles() -> int:
    """List bundled and user profiles.

    Example: imagesmith profile list
    """
    from imagesmith.core.profile import bundled_profiles, user_profile_dir

    for name, path in sorted(bundled_profiles().items()):
        print(f"{name}\tbundled\t{path}")
    for path in sorted(user_profile_dir().glob("*.toml")):
        print(f"{path.stem}\tuser\t{path}")
    return 0


@profile_app.command("detect")
def detect(
    profile: Optional[str] = PROFILE_OPTION,
    from_file: Optional[Path] = typer.Option(None, "--from", help="Saved output of `nvidia-smi "
                                             "--query-gpu=name,driver_version,compute_cap --format=csv` "
                                             "(default: run nvidia-smi here)."),
    group: Optional[str] = typer.Option(None, "--group", help="Node group to set (default: the one with this GPU)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Profile file to write or update "
                                          "(default: <user profiles>/<profile>-detected.toml)."),
) -> int:
    """Record a node group's real GPU and driver (driver_source = "detected") in a user profile
    that extends the current one.

    Example: imagesmith profile detect --from g131-smi.csv --group G131-G144
    """
    from imagesmith.services.detect import detect_profile

    return detect_profile(profile, from_file, group, output)
