"""Check 2: the job uid can run the image's Python and import every top-level package that
pip metadata says is installed. Catches `pip install --user` as root (the packages live
under /root, which uid 1234 cannot read) and files installed without read permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import CheckFailed
from imagesmith.verify.model import Check
from imagesmith.verify.probe import IMPORT_TIMEOUT, Prober

if TYPE_CHECKING:
    from imagesmith.compat.probe import ImageFacts

PRIVATE_HOMES = ("/root/", "/home/")


def import_targets(facts: ImageFacts | None) -> dict[str, str]:
    """top-level name -> the distribution that provides it (first one wins)."""
    out: dict[str, str] = {}
    for dist in facts.distributions if facts is not None else ():
        for top in dist.top_level:
            out.setdefault(top, dist.name)
    return out


def check_imports(prober: Prober, python: str,
                  facts: ImageFacts | None) -> tuple[Check, dict[str, Any]]:
    targets = import_targets(facts)
    where = {d.name: d.location for d in facts.distributions} if facts is not None else {}
    try:
        job = prober.job_script(python, ["job", str(IMPORT_TIMEOUT), *sorted(targets)])
    except CheckFailed as exc:
        return Check("imports", False, "error", f"uid {prober.uid} cannot run {python}",
                     [exc.message]), {}
    failures, rows = [], []
    for top, result in sorted(job.get("imports", {}).items()):
        dist = targets.get(top, "?")
        location = where.get(dist, "")
        rows.append({"module": top, "distribution": dist, "location": location, **result})
        if result.get("ok"):
            continue
        reason = result.get("error") or "import failed"
        if location.startswith(PRIVATE_HOMES):
            reason += f" (installed in {location}: `pip install --user` as another user; " \
                      "install system-wide with `pip install` instead)"
        failures.append(f"{dist}: import {top} as uid {prober.uid}: {reason}")
    summary = (f"{len(failures)} of {len(rows)} top-level packages cannot be imported by uid {prober.uid}"
               if failures else f"uid {prober.uid} imports all {len(rows)} top-level packages")
    return Check("imports", not failures, "error", summary, failures, {"imports": rows}), job
