"""IS711 shm-for-pytorch: a PyTorch image started without `--ipc=host` or `--shm-size`."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import CatalogImage, Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND

PYTORCH_PACKAGES = ("torch", "pytorch")


def torch_version(image: CatalogImage) -> str | None:
    for name, version in image.packages.items():
        if name.lower() in PYTORCH_PACKAGES:
            return version
    return None


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    for sd in parsed.startdockers:
        image = profile.find_image(sd.image) if sd.image else None
        version = torch_version(image) if image else None
        if version is None:
            continue
        if "host" in sd.docker_option("--ipc") or sd.docker_option("--shm-size"):
            continue
        yield Hit(
            f"{sd.image} has PyTorch {version}, but the container gets Docker's 64 MB /dev/shm: "
            'DataLoader workers fail with "unable to write to file"',
            line=sd.line,
            end_line=sd.end_line,
            help='add `-u "--ipc=host"` (or `-u "--shm-size 8G"`) to startdocker',
            subject=sd.image,
            data={"image": sd.image, "torch": version},
        )


RULE = Rule(
    code="IS711",
    name="shm-for-pytorch",
    severity=Severity.WARNING,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="A `startdocker` call whose image has PyTorch (the catalog lists a `torch` package) "
        "passes `--ipc=host` or `--shm-size` in `-u`.",
        why='FAQ (guide l.726-729): PyTorch keeps failing with "unable to write to file" '
        'unless startdocker gets `-u "--ipc=host"`; the guide\'s own example (l.448) passes '
        "both `--ipc=host` and `--shm-size 8G`. Docker's default /dev/shm is 64 MB, too small "
        "for DataLoader workers sharing batches.",
        example='startdocker -c "python /ghome/<username>/train.py" bit:5000/deepo_9\n',
        instead='startdocker -u "--ipc=host" -c "python /ghome/<username>/train.py" bit:5000/deepo_9\n',
        source="guide FAQ (l.726-729); startdocker example (l.441, l.448)",
    ),
    check=check,
)
