"""Compat reports: one verdict per node group for a GpuStack, a Dockerfile or a built image.

The domain API that services (compat, package, review, verify, new) build on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.compat.choose import suggest
from imagesmith.compat.report import GroupVerdict, group_verdicts
from imagesmith.compat.stack import GpuStack
from imagesmith.compat.verdict import CAVEATS, RUNS, UNKNOWN_VERDICT
from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import NodeGroup, Profile

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine


@dataclass
class CompatReport:
    target: str
    profile: str
    groups: list[GroupVerdict]
    stack: GpuStack = field(default_factory=GpuStack)
    # Whether "runs-with-caveats" / "unknown" count as running for the exit code (default: no;
    # see docs/compat.md).
    caveats_ok: bool = False
    unknown_ok: bool = False

    @property
    def all_run(self) -> bool:
        return all(g.verdict == RUNS for g in self.groups)

    def exit_code(self, caveats_ok: bool | None = None, unknown_ok: bool | None = None) -> int:
        ok = {RUNS, CAVEATS} if (self.caveats_ok if caveats_ok is None else caveats_ok) else {RUNS}
        if self.unknown_ok if unknown_ok is None else unknown_ok:
            ok.add(UNKNOWN_VERDICT)
        return 0 if all(g.verdict in ok for g in self.groups) else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "profile": self.profile,
            "groups": [g.to_dict() for g in self.groups],
            "stack": self.stack.to_dict(),
        }

    def render_text(self) -> str:
        s = self.stack
        fws = ", ".join(f.describe() for f in s.frameworks) or "none"
        lines = [
            f"compat {self.target} (profile {self.profile})",
            f"  stack: CUDA {s.cuda or '-'}"
            + (f" [{s.cuda_source}]" if s.cuda_source else "")
            + f", cuDNN {s.cudnn or '-'}, frameworks: {fws}"
            + (f", NVIDIA_REQUIRE_CUDA {s.nvidia_require!r}" if s.nvidia_require else ""),
        ]
        for g in self.groups:
            lines.append(
                f"{g.name} ({g.gpu}, sm_{g.compute_capability.replace('.', '')}, driver {g.driver} "
                f"{g.driver_source}): {g.verdict.value}"
            )
            lines += [f"  - {r}" for r in g.reasons]
            if g.suggestion:
                lines.append(f"  suggestion: {g.suggestion}")
        assumed = sorted({a for g in self.groups for a in g.assumed})
        if assumed:
            lines.append("assumed:")
            lines += [f"  - {a}" for a in assumed]
        return "\n".join(lines) + "\n"


def compat_for_stack(
    stack: GpuStack, profile: Profile, target: str, groups: Sequence[NodeGroup] | None = None
) -> CompatReport:
    chosen = list(groups) if groups is not None else list(profile.node_groups)
    verdicts = group_verdicts(stack, chosen)
    advice = suggest(stack, chosen, profile, verdicts)
    for v in verdicts:
        if v.verdict != RUNS:
            v.suggestion = advice
    return CompatReport(target, profile.name, verdicts, stack)


def compat_for_dockerfile(
    path: Path, profile: Profile, groups: Sequence[NodeGroup] | None = None
) -> CompatReport:
    """`path` is a Dockerfile or a build folder holding one (the profile's file name)."""
    from imagesmith.compat.dockerstack import stack_from_dockerfile

    dockerfile = path / profile.build.dockerfile_name if path.is_dir() else path
    if not dockerfile.is_file():
        raise UserInputError(
            "no Dockerfile here",
            where=dockerfile,
            hint="give a Dockerfile, a build folder or an image reference",
        )
    stack = stack_from_dockerfile(dockerfile, profile)
    return compat_for_stack(stack, profile, str(path), groups)


def compat_for_text(
    text: str, label: str, profile: Profile, groups: Sequence[NodeGroup] | None = None
) -> CompatReport:
    """A Dockerfile given as text (`compat -` reads it from stdin): no build folder, so
    nothing is read from a context."""
    from imagesmith.compat.dockerstack import stack_from_parsed
    from imagesmith.model import model_for

    parsed = model_for(text, label, profile)
    return compat_for_stack(stack_from_parsed(parsed, profile, None), profile, label, groups)


def compat_for_image(
    engine: Engine, ref: str, profile: Profile, groups: Sequence[NodeGroup] | None = None
) -> CompatReport:
    from imagesmith.compat.imagestack import stack_from_image

    stack = stack_from_image(engine, ref)
    image = profile.find_image(ref)
    if image is not None:
        stack.catalog_image = image.name
    return compat_for_stack(stack, profile, ref, groups)
