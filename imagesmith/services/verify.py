"""`imagesmith verify`: check an image as the cluster will run it.

    report = verify_image(engine, "bit:5000/me/tools", profile, tests_from=Path("dockertmp"))
    report.passed, report.to_dict(), report.to_junit()

Probes run as `profile.jobs.job_uid` (no passwd entry), without network, on a read-only
root filesystem, each with a timeout; the facts probe alone runs as root, to see what pip
sees for root (packages under /root/.local included).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.core.errors import CheckFailed
from imagesmith.verify.model import Check, VerifyReport

if TYPE_CHECKING:
    from imagesmith.core.profile import Profile
    from imagesmith.core.smoke_tests import SmokeTest
    from imagesmith.engine import Engine


def _timed(fn: Callable[[], Check]) -> Check:
    start = time.monotonic()
    check = fn()
    check.duration = check.duration or round(time.monotonic() - start, 3)
    return check


def is_bundle_path(path: Path) -> bool:
    return path.is_file() and path.name.endswith((".tar.gz", ".tgz"))


def _tests(source: Path) -> list[SmokeTest]:
    """The smoke tests of a build folder / toml file, or those a request bundle carries
    (checked like review checks the bundle)."""
    from imagesmith.verify.smoke import load_tests

    if is_bundle_path(source):
        from imagesmith.bundle.reader import check_bundle
        from imagesmith.core.smoke_tests import smoke_tests_from

        manifest = check_bundle(source).manifest
        return smoke_tests_from(manifest.get("smoke_tests") or [], "smoke_tests")
    return load_tests(source)


def verify_image(engine: Engine, ref: str, profile: Profile, *, tests_from: Path | None = None,
                 against: str | None = None, probe_timeout: float = 120.0) -> VerifyReport:
    from imagesmith.verify.compat import check_compat
    from imagesmith.verify.imports import check_imports
    from imagesmith.verify.probe import Prober
    from imagesmith.verify.runtime import check_runtime
    from imagesmith.verify.smoke import run_smoke
    from imagesmith.verify.versions import check_versions

    tests = _tests(tests_from) if tests_from is not None else []  # bad config: fail early
    info = engine.inspect_image(ref)
    env = engine.image_env(ref)
    uid = profile.jobs.job_uid
    report = VerifyReport(ref, info["Id"], uid)
    prober = Prober(engine, ref, uid, probe_timeout)

    start = time.monotonic()
    python = prober.python()
    if python is None:
        report.checks.append(Check("versions", False, "error", "no python on PATH in the image",
                                   ["`command -v python || command -v python3` found nothing"]))
        report.checks.append(Check("imports", False, "error", f"uid {uid} finds no python", []))
        job = {}
    else:
        try:
            facts = prober.facts()
            report.checks.append(check_versions(env, facts))
        except CheckFailed as exc:
            facts = None
            report.checks.append(Check("versions", False, "error", "the facts probe failed",
                                       [exc.message]))
        report.checks[-1].duration = round(time.monotonic() - start, 3)
        start = time.monotonic()
        imports, job = check_imports(prober, python, facts)
        imports.duration = round(time.monotonic() - start, 3)
        report.checks.append(imports)
    if job:
        report.checks.append(check_runtime(job, env, profile.jobs.timezone))
    report.checks.append(_timed(lambda: check_compat(engine, ref, profile)))
    for test in tests:
        report.checks.append(run_smoke(prober, test))
    if against:
        report.checks.append(_timed(lambda: _against(engine, ref, against)))
    return report


def _against(engine: Engine, ref: str, original: str) -> Check:
    from imagesmith.record.compare import compare_images

    cmp = compare_images(engine, ref, original)
    details = cmp.render_text().splitlines()[1:]
    summary = (f"reproduces {original}" if cmp.reproduced
               else f"differs from {original} in {sum(len(g.items) for g in cmp.differences)} ways")
    return Check("against", cmp.reproduced, "error", summary, details, {"comparison": cmp.to_dict()})
