"""IS201 base-not-in-catalog: a FROM that is neither a catalog image nor an earlier stage."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    catalog = ", ".join(img.name for img in profile.catalog)
    for stage in parsed.stages:
        if stage.base_stage is not None or stage.unresolved or not stage.base:
            continue
        if stage.base.lower() == "scratch" or profile.find_image(stage.base) is not None:
            continue
        yield Hit(
            f"base image `{stage.base}` is not in the cluster catalog ({catalog})",
            line=stage.line,
            help=f"start FROM one of {catalog}, or ask the admins to pull `{stage.base}` into "
            f"{profile.registry} first (the guide's way 1)",
            subject=stage.base,
            data={"base": stage.base, "catalog": [img.name for img in profile.catalog]},
        )


RULE = Rule(
    code="IS201",
    name="base-not-in-catalog",
    severity=Severity.ERROR,
    group="base-image",
    doc=RuleDoc(
        what="Every FROM must name an image of the profile's catalog (on the cluster registry) "
        "or an earlier build stage. The message lists the catalog.",
        why="A Dockerfile request is built on an image already on the cluster (guide way 2, "
        "l.563-566); other images must first be requested from Docker Hub (way 1).",
        example="FROM pytorch/pytorch:latest\n",
        instead="FROM bit:5000/deepo_9\n",
        source="guide l.563-566",
    ),
    check=check,
)
