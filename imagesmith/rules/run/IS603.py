"""IS603 apt-install-without-update: apt-get install with no package lists to install from."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.apt import apt_calls
from imagesmith.analysis.installs import run_commands
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def _clears_lists(argv: tuple[str, ...]) -> bool:
    return argv[:1] == ("rm",) and any("/var/lib/apt/lists" in w for w in argv[1:])


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    # Events in order: update (lists fresh), clear (rm -rf /var/lib/apt/lists), new stage.
    fresh_by_stage: dict[int, bool] = {}
    fresh_in_run: dict[int, bool] = {}
    calls = {id(c.run): c for c in apt_calls(parsed)}
    for rc in run_commands(parsed):
        stage, run = rc.instruction.stage, rc.instruction.line
        call = calls.get(id(rc))
        if _clears_lists(rc.argv):
            fresh_by_stage[stage] = False
            fresh_in_run[run] = False
        if call is None:
            continue
        if call.action == "update":
            fresh_by_stage[stage] = True
            fresh_in_run[run] = True
        elif call.action in ("install", "build-dep") and not any(
            o.endswith(".deb") for o in call.operands
        ):
            if fresh_in_run.get(run) or fresh_by_stage.get(stage) or "--update" in call.flags:
                continue  # apt >= 3 `install --update` refreshes the lists itself
            yield Hit(
                f"`{call.tool} install` with no `apt-get update` before it: base images ship without "
                "package lists (or with stale ones), so packages are not found",
                line=call.line,
                help="run `apt-get update && apt-get install -y ...` in the same RUN",
            )
            fresh_by_stage[stage] = True  # report once per stretch


RULE = Rule(
    code="IS603",
    name="apt-install-without-update",
    severity=Severity.WARNING,
    group="run",
    doc=RuleDoc(
        what="apt-get install runs with no `apt-get update` earlier in the same RUN or stage (or "
        "after the lists were removed with `rm -rf /var/lib/apt/lists`). apt 3's "
        "`install --update` counts as an update.",
        why="The cluster's images (NVIDIA, deepo) remove their apt lists; an install without an "
        'update fails with "Unable to locate package" in the admins\' build, which the user only '
        "sees after handing the folder over (guide step 4, l.570).",
        example="FROM bit:5000/deepo_9\nRUN apt-get install -y cmake\n",
        instead="FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install -y cmake\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
