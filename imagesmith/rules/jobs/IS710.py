"""IS710 startdocker-image-unknown: the image startdocker runs is not in the catalog."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    catalog = [img.name for img in profile.catalog]
    for sd in parsed.startdockers:
        if sd.image is None:
            yield Hit(
                "startdocker names no image (its last word)",
                line=sd.line,
                end_line=sd.end_line,
                help=f"end the line with the image, e.g. `{catalog[0] if catalog else 'IMAGE'}`",
            )
        elif "$" not in sd.image and profile.find_image(sd.image) is None:
            yield Hit(
                f"image `{sd.image}` is not in the cluster catalog ({', '.join(catalog)})",
                line=sd.line,
                end_line=sd.end_line,
                help=f"use one of {', '.join(catalog)}, or an image built for you on "
                f"{profile.registry} (add it to the profile's catalog)",
                subject=sd.image,
                data={"image": sd.image, "catalog": catalog},
            )


RULE = Rule(
    code="IS710",
    name="startdocker-image-unknown",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="The image `startdocker` runs (its last word) is an image of the profile's catalog. "
        "An image given by a shell variable is not checked.",
        why="The nodes pull images only from the cluster registry bit:5000 (guide l.369-370, "
        "§5 l.556-562); a name that is not there fails when the job starts, after waiting in "
        "the queue. Custom images are added to the catalog once the admins have built them.",
        example='startdocker -c "python /ghome/<username>/a.py" pytorch/pytorch\n',
        instead='startdocker -c "python /ghome/<username>/a.py" bit:5000/deepo_9\n',
        source="guide §3 startdocker (l.369-370); §5 (l.556-562)",
    ),
    check=check,
)
