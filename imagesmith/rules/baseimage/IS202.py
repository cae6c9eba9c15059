"""IS202 base-tag-unpinned: FROM without a tag (or :latest) for an image outside the catalog."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile, split_image_ref
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for stage in parsed.stages:
        if (
            stage.base_stage is not None
            or stage.unresolved
            or stage.base.lower() in ("", "scratch")
        ):
            continue
        repo, tag = split_image_ref(stage.base)
        if tag not in (None, "latest"):
            continue
        img = profile.find_image(stage.base)
        if img is not None and split_image_ref(img.name)[1] is None:
            continue  # the catalog itself names it without a tag: the cluster has only this one
        yield Hit(
            f"base image `{stage.base}` has no fixed tag: the build gets whatever `latest` is then",
            line=stage.line,
            help=f"pin a version tag or a digest, e.g. `{repo}:<version>`",
            subject=stage.base,
            data={"base": stage.base},
        )


RULE = Rule(
    code="IS202",
    name="base-tag-unpinned",
    severity=Severity.WARNING,
    group="base-image",
    doc=RuleDoc(
        what="A FROM names an image by no tag or by `latest`. Catalog images that the profile "
        "itself lists without a tag (the cluster keeps one version) are exempt.",
        why="The versions the request states (guide step 5, l.571) only hold for the base they "
        "were checked against; a moving tag changes under the admins' build.",
        example="FROM nvidia/cuda\n",
        instead="FROM nvidia/cuda:9.0-cudnn7-devel-ubuntu16.04\n",
        source="guide step 5 (l.571)",
    ),
    check=check,
)
