"""IS609 too-many-layers: the image would be near or past the engine's layer limit."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc

# moby layer/layer_store.go: `maxLayerDepth = 125`; past it a build step fails with
# "max depth exceeded". The base image's own layers count too.
MAX_LAYERS = 125
WARN_FROM = 100
LAYER_CMDS = ("RUN", "COPY", "ADD")


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    chain = parsed.chain()
    if not chain:
        return
    layers = [ins for stage in chain for ins in stage.instructions if ins.cmd in LAYER_CMDS]
    if len(layers) < WARN_FROM:
        return
    over = len(layers) >= MAX_LAYERS  # the base brings at least one layer of its own
    yield Hit(
        f"the final image gets {len(layers)} layers from RUN/COPY/ADD, plus the base image's own; "
        f"the engine stops at {MAX_LAYERS} in all (\"max depth exceeded\")"
        + ("" if over else ": near the limit"),
        line=layers[MAX_LAYERS - 1].line if over else layers[-1].line,
        severity=Severity.ERROR if over else None,
        help="join consecutive RUN steps with && (and COPY whole folders), or build in stages "
             "and COPY --from the result",
        data={"layers": len(layers), "limit": MAX_LAYERS},
    )


RULE = Rule(
    code="IS609",
    name="too-many-layers",
    severity=Severity.WARNING,
    group="run",
    doc=RuleDoc(
        what=f"Counts the layers the final image's stages add (each RUN, COPY and ADD in the stage "
        f"and the stages it is built FROM): a warning from {WARN_FROM}, an error from "
        f"{MAX_LAYERS} (with the base's at least one layer, more than {MAX_LAYERS}: moby's "
        "maximum layer depth), at the instruction that crosses it. The base image's own layers "
        "come on top and are not counted. Measured on docker.io 20.10's classic builder with a "
        "one-layer base: the 125th RUN fails with \"max depth exceeded\".",
        why="A long recorded or hand-written session of one RUN per command fails at the step "
        "that crosses the limit (\"max depth exceeded\"), after everything before it was built; "
        "the admins get a build that cannot be finished.",
        example="FROM bit:5000/deepo_9\nRUN pip install a\nRUN pip install b\n# ... 130 more RUN lines\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install a \\\n && pip install b\n",
        source="moby layer/layer_store.go (maxLayerDepth = 125)",
    ),
    check=check,
)
