"""`imagesmith profile detect`: nvidia-smi output -> a user profile with the node group's real driver."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from imagesmith.compat.detect import (
    detected_table,
    homogeneous,
    parse_query_csv,
    pick_group,
    run_nvidia_smi,
    write_profile,
)
from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import PROFILE_ENV, select_profile, user_profile_dir


def _extends_ref(explicit: str | None, profile_name: str) -> str:
    ref = explicit or os.environ.get(PROFILE_ENV) or profile_name
    path = Path(ref).expanduser()
    return str(path.resolve()) if path.is_file() else ref


def detect_profile(
    profile_ref: str | None, from_file: Path | None, group_name: str | None, output: Path | None
) -> int:
    profile = select_profile(profile_ref)
    if from_file is not None:
        try:
            text = from_file.read_text(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            raise UserInputError(f"cannot read: {exc.strerror}", where=from_file) from None
        where = str(from_file)
    else:
        text, where = run_nvidia_smi(), "nvidia-smi"
    gpu = homogeneous(parse_query_csv(text, where), where)
    group = pick_group(profile, gpu, group_name)
    out = output or user_profile_dir() / f"{profile.name.removesuffix('-detected')}-detected.toml"
    extends = _extends_ref(profile_ref, profile.name)
    if out.resolve() == Path(extends).resolve():
        raise UserInputError(
            "the output would overwrite the profile it extends",
            where=out,
            hint="choose another -o FILE",
        )
    write_profile(out, extends, profile, detected_table(group, gpu))
    print(
        f"{group.name}: {gpu.name} (sm_{gpu.compute_capability.replace('.', '')}, from {gpu.cc_source.split(' (')[0]}), "
        f"driver {gpu.driver} (was {group.driver}, {group.driver_source})"
    )
    print(f'wrote {out}; use it with --profile {out} (or `profile = "{out}"` in imagesmith.toml)')
    sys.stdout.flush()
    return 0
