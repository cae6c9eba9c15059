"""Check 4: which node groups can run the image, from its real contents (the compat engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagesmith.verify.model import Check

if TYPE_CHECKING:
    from imagesmith.core.profile import Profile
    from imagesmith.engine import Engine


def check_compat(engine: Engine, ref: str, profile: Profile) -> Check:
    from imagesmith.compat.api import compat_for_image

    report = compat_for_image(engine, ref, profile)
    groups = report.groups
    failing = [g for g in groups if g.verdict == "fails"]
    lines = [f"{g.name} ({g.gpu}, sm {g.compute_capability}, driver {g.driver} {g.driver_source}): "
             f"{g.verdict}" + (f": {'; '.join(g.reasons)}" if g.reasons else "")
             + (f" -> {g.suggestion}" if g.suggestion else "") for g in groups]
    unknown = [g.name for g in groups if g.verdict == "unknown"]
    runs = [g.name for g in groups if g.verdict in ("runs", "runs-with-caveats")]
    summary = (f"runs on {', '.join(runs)}" if runs else "runs on no node group")
    if failing and runs:
        summary += f"; fails on {', '.join(g.name for g in failing)}"
    if unknown:
        summary += f"; unknown on {', '.join(unknown)} (what decides it could not be read)"
    caveats = [g.name for g in groups if g.verdict == "runs-with-caveats"]
    if caveats:
        summary += f" (with caveats on {', '.join(caveats)})"
    # Every group failing is an error; failing, unknown or caveat groups are warnings (users pick
    # a group), and a check with any of them does not pass.
    severity = "error" if failing and len(failing) == len(groups) else "warning"
    caveats += unknown
    return Check("compat", not failing and not caveats, severity, summary, lines,
                 {"compat": report.to_dict()})
