"""IS304 env-version-contradicts-base: an ENV states a version the base image does not have,
and nothing in the Dockerfile installs that software."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.versions import TRACKERS, consistent, env_sets, tracked_installs
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.core.versions import canonical_name
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def _catalog_version(packages: dict[str, str], pip_names: tuple[str, ...]) -> tuple[str, str] | None:
    """(package, version) of the first catalog package a tracker's pip names match."""
    for name, version in packages.items():
        key = canonical_name(name)
        if any(key == n or (n.endswith("*") and key.startswith(n[:-1])) for n in pip_names):
            return name, version
    return None


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    installs = tracked_installs(parsed)
    for stage in parsed.chain():
        if stage.base_stage is not None:
            continue  # judged on the stage that starts from the catalog image
        img = profile.find_image(stage.base) if stage.base else None
        if img is None or not img.packages:
            continue
        chain = [s.index for s in parsed.chain(stage)]
        for tracker in TRACKERS:
            if any(t.tracker.software == tracker.software for t in installs):
                continue  # something installs it: IS301/IS302 judge the ENV against that
            found = _catalog_version(img.packages, tracker.pip)
            if found is None:
                continue
            package, version = found
            assumed = "packages" in img.assumed
            for var in tracker.env:
                for line, value in env_sets(stage, var):
                    if consistent(version, value) or not chain:
                        continue
                    yield Hit(
                        f"ENV {var}={value}, but nothing here installs {tracker.software} and the "
                        f"base image {img.name} has {package} {version}"
                        + (" (the catalog's version is assumed)" if assumed else ""),
                        line=line,
                        severity=Severity.INFO if assumed else None,
                        help=f"set `ENV {var}={version}`, or install {tracker.software} "
                             f"{value} in a RUN step",
                        subject=var,
                        data={"variable": var, "declared": value, "base": version,
                              "package": package},
                    )


RULE = Rule(
    code="IS304",
    name="env-version-contradicts-base",
    severity=Severity.WARNING,
    group="versions",
    doc=RuleDoc(
        what="An ENV that states a software version (TENSORFLOW_VERSION, TORCH_VERSION, ...) "
        "disagrees with the version the catalog lists for the base image, and no step of the "
        "Dockerfile installs that software. Where the catalog marks its package list as "
        "assumed, the finding is an info.",
        why="Jobs and the admins read these ENV labels; one that names a version the image "
        "does not have is a stale label from the start (verify later finds the real version).",
        example="FROM bit:5000/deepo_9\nENV TENSORFLOW_VERSION=1.9.0\n",
        instead="FROM bit:5000/deepo_9\nENV TENSORFLOW_VERSION=1.8.0\n",
        source="guide l.628-705 (deepo_9's package list); profile [catalog.packages]",
    ),
    check=check,
)
