"""`imagesmith compat`: resolve a target (a Dockerfile, a build folder or an image reference)
and report one verdict per node group. The report model lives in `imagesmith.compat.api`."""

from __future__ import annotations

import re
from pathlib import Path

from imagesmith.compat.api import CompatReport, compat_for_dockerfile, compat_for_image, compat_for_stack
from imagesmith.compat.report import GroupVerdict
from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.compat.verdict import CAVEATS, FAILS, RUNS
from imagesmith.core.errors import UserInputError


def looks_like_path(target: str) -> bool:
    return (
        "/" in target
        and not _IMAGE_REF.match(target)
        or target.endswith(("Dockerfile", ".dockerfile"))
        or target.startswith((".", "~"))
    )


_IMAGE_REF = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w.-]+)?(@sha256:[0-9a-f]+)?$"
)


def compat_for_target(
    target: str, profile_ref: str | None = None, gpu: str | None = None
) -> CompatReport:
    """The CLI's entry: a Dockerfile or build folder when that path exists, else an image reference."""
    from imagesmith.core.profile import select_profile
    from imagesmith.recipe.gpus import resolve_groups

    if target == "-":
        import sys

        from imagesmith.compat.api import compat_for_text

        profile = select_profile(profile_ref, None)
        return compat_for_text(sys.stdin.read(), "-", profile, resolve_groups(gpu, profile))
    path = Path(target).expanduser()
    profile = select_profile(
        profile_ref, path if path.is_dir() else path.parent if path.exists() else None
    )
    groups = resolve_groups(gpu, profile)
    if path.exists():
        return compat_for_dockerfile(path, profile, groups)
    if looks_like_path(target):
        raise UserInputError(
            "no such file or folder",
            where=target,
            hint="give a Dockerfile, a build folder or an image reference",
        )
    from imagesmith.engine import engine_session

    with engine_session() as engine:
        return compat_for_image(engine, target, profile, groups)


__all__ = [
    "CAVEATS",
    "FAILS",
    "RUNS",
    "CompatReport",
    "Framework",
    "GpuStack",
    "GroupVerdict",
    "compat_for_dockerfile",
    "compat_for_image",
    "compat_for_stack",
]
