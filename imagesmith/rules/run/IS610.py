"""IS610 builder-syntax: syntax the admins' builder cannot build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


@dataclass(frozen=True)
class Feature:
    what: str
    since: str  # the Dockerfile frontend version that has it ("1.7-labs": only labs channels)
    legacy: str  # what the legacy builder does with it (measured on docker.io 20.10)


REFUSED = "refuses the Dockerfile before the first step"
FAILS = 'fails at the step: "requires BuildKit"'

# (instruction, flag or "<<" for a heredoc) -> Feature. Versions: BuildKit's Dockerfile
# frontend changelog and reference (docs.docker.com/build/buildkit/dockerfile-release-notes).
FEATURES: dict[tuple[str, str], Feature] = {
    ("RUN", "<<"): Feature("a heredoc", "1.4", REFUSED + ' ("unknown instruction")'),
    ("COPY", "<<"): Feature("a heredoc", "1.4", REFUSED),
    ("ADD", "<<"): Feature("a heredoc", "1.4", REFUSED),
    ("RUN", "mount"): Feature("RUN --mount", "1.2", FAILS),
    ("RUN", "network"): Feature("RUN --network", "1.3", REFUSED + ' ("Unknown flag: network")'),
    ("RUN", "security"): Feature("RUN --security", "1.1-labs", REFUSED),
    ("COPY", "chmod"): Feature("COPY --chmod", "1.2", FAILS),
    ("ADD", "chmod"): Feature("ADD --chmod", "1.2", FAILS),
    ("COPY", "link"): Feature("COPY --link", "1.4", REFUSED + ' ("Unknown flag: link")'),
    ("ADD", "link"): Feature("ADD --link", "1.4", REFUSED),
    ("ADD", "checksum"): Feature("ADD --checksum", "1.6", REFUSED + ' ("Unknown flag: checksum")'),
    ("ADD", "keep-git-dir"): Feature("ADD --keep-git-dir", "1.5-labs", REFUSED),
    ("COPY", "parents"): Feature("COPY --parents", "1.7-labs", REFUSED + ' ("Unknown flag: parents")'),
    ("COPY", "exclude"): Feature("COPY --exclude", "1.7-labs", REFUSED + ' ("Unknown flag: exclude")'),
    ("ADD", "exclude"): Feature("ADD --exclude", "1.7-labs", REFUSED),
}


def _version(text: str) -> tuple[tuple[int, ...], bool]:
    """(numbers, labs) of a frontend version: `1.7-labs` -> ((1, 7), True)."""
    core, _, channel = text.partition("-")
    try:
        return tuple(int(p) for p in core.split(".")[:3] if p.isdigit() and len(p) < 6), channel == "labs"
    except ValueError:  # pragma: no cover - isdigit() guards int()
        return (), False


def builder_has(profile: Profile, since: str) -> bool:
    if profile.build.builder != "buildkit":
        return False
    have, have_labs = _version(profile.build.frontend)
    need, need_labs = _version(since)
    return bool(have) and have >= need and (have_labs or not need_labs)


def _builder(profile: Profile) -> str:
    if profile.build.builder == "buildkit":
        return f"the admins' BuildKit (Dockerfile frontend {profile.build.frontend})"
    return "the admins' legacy builder"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    syntax = next((text for _, text in parsed.comments if text.lower().replace(" ", "").startswith("#syntax=")), None)
    if syntax is not None:
        where = next(no for no, text in parsed.comments if text == syntax)
        what = ("ignores it" if profile.build.builder == "legacy"
                else "would pull that frontend image, and nothing can be pulled on the cluster")
        yield Hit(f"`{syntax}`: {_builder(profile)} {what}; the Dockerfile is built with the "
                  "builder's own syntax", line=where,
                  help="remove the directive and keep to the syntax the builder has (imagesmith "
                       "explain IS610)", severity=Severity.WARNING)
    for ins in parsed.instructions:
        keys = [(ins.cmd, "<<")] if ins.heredocs else []
        keys += [(ins.cmd, f.lstrip("-").split("=", 1)[0]) for f in ins.flags]
        for key in keys:
            feature = FEATURES.get(key)
            if feature is None or builder_has(profile, feature.since):
                continue
            how = feature.legacy if profile.build.builder == "legacy" else "refuses it"
            yield Hit(
                f"{feature.what} needs BuildKit's Dockerfile frontend {feature.since} or newer; "
                f"{_builder(profile)} {how}",
                line=ins.line,
                help="write it for the builder: a heredoc as `printf`/a COPY'd file, --chmod as "
                     "`RUN chmod`, --mount/--link/--parents/--exclude left out",
                data={"feature": feature.what, "since": feature.since,
                      "builder": profile.build.builder},
            )


RULE = Rule(
    code="IS610",
    name="builder-syntax",
    severity=Severity.ERROR,
    group="run",
    doc=RuleDoc(
        what="Syntax the admins' builder (profile `[build] builder`, `frontend`) cannot build: "
        "heredocs, `RUN --mount/--network/--security`, `COPY/ADD --chmod`, `--link`, "
        "`ADD --checksum`, `--keep-git-dir`, `COPY --parents/--exclude`, each with the "
        "Dockerfile frontend version that has it, and a `# syntax=` directive (the legacy "
        "builder ignores it; BuildKit would have to pull the frontend image).",
        why="BuildKit's parser accepts all of it, so the file lints and parses, and then the "
        "admins' build fails. Measured with the legacy builder of docker.io 20.10: heredocs, "
        "--link, --checksum, --parents, --exclude and RUN --network are refused before the first "
        "step; --chmod and --mount fail at their step (\"requires BuildKit\").",
        example="FROM bit:5000/deepo_9\nCOPY --chmod=755 run.sh /opt/\n",
        instead="FROM bit:5000/deepo_9\nCOPY run.sh /opt/\nRUN chmod 755 /opt/run.sh\n",
        source="BuildKit Dockerfile frontend release notes; docker.io 20.10 legacy builder (measured)",
    ),
    check=check,
)
