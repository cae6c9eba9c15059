"""IS305 install-replaces-base-package: a step installs another version of a package the
catalog base image ships."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.installs import package_installs
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.core.versions import canonical_name, try_parse
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    chains = {s.index: parsed.chain(s) for s in parsed.stages}
    for inst in package_installs(parsed):
        if inst.manager.value != "pip" or not inst.name or not (0 <= inst.stage < len(parsed.stages)):
            continue
        root = chains[inst.stage][0] if chains.get(inst.stage) else None
        img = profile.find_image(root.base) if root is not None and root.base else None
        if img is None:
            continue
        shipped = {canonical_name(k): (k, v) for k, v in img.packages.items()}
        found = shipped.get(canonical_name(inst.name))
        if found is None:
            continue
        name, base_version = found
        assumed = "packages" in img.assumed
        if inst.version is not None:
            new, old = try_parse(inst.version), try_parse(base_version)
            if new is not None and old is not None and new == old:
                continue
            what = f"{inst.version}"
        elif inst.constraint:
            what = f"whatever `{inst.constraint}` resolves to"
        elif "-U" in inst.raw.split() or "--upgrade" in inst.raw.split():
            what = "the newest release"
        else:
            continue  # unpinned and no upgrade: pip keeps the base's version
        yield Hit(
            f"`{inst.spec}` replaces the base image's {name} {base_version} with {what}; what "
            f"the base built against {name} {base_version} may break"
            + (" (the catalog's version is assumed)" if assumed else ""),
            line=inst.line,
            severity=Severity.INFO if assumed else None,
            help=f"keep {name}=={base_version}, or check the frameworks of {img.name} with "
                 "`imagesmith verify` after the build",
            subject=name,
            data={"package": name, "base": base_version, "install": inst.version or what},
        )


RULE = Rule(
    code="IS305",
    name="install-replaces-base-package",
    severity=Severity.WARNING,
    group="versions",
    doc=RuleDoc(
        what="A pip install names a package the catalog base image ships (its [catalog.packages]) "
        "with another exact version, a range, or --upgrade: the step replaces the base's copy. "
        "Where the catalog marks its package list as assumed, the finding is an info. Packages a "
        "step pulls in as dependencies are not known before the build (record and verify see them).",
        why="The frameworks of a cluster image are built against its numpy, protobuf, six...; "
        "replacing one (numpy 1.14.3 -> 2.x) makes `import cv2` or `import tensorflow` fail on the "
        "node, after the admins built and pushed the image.",
        example="FROM bit:5000/deepo_9\nRUN pip install numpy==2.0.1\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install numpy==1.14.3 opencv-python==4.1.0.25\n",
        source="guide l.628-705 (deepo_9's package list); profile [catalog.packages]",
    ),
    check=check,
)
