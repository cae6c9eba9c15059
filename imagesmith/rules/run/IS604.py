"""IS604 interactive-install: packages that ask questions, without DEBIAN_FRONTEND=noninteractive."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.analysis.apt import apt_calls
from imagesmith.analysis.installs import run_commands
from imagesmith.analysis.versions import base_env
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile, stage_scope
from imagesmith.rules.base import Hit, Rule, RuleDoc

# Packages whose debconf questions stop a build (directly or through common dependents).
INTERACTIVE = re.compile(
    r"^(tzdata|keyboard-configuration|console-setup|locales-all|krb5-config|postfix|"
    r"mysql-server.*|mariadb-server|ttf-mscorefonts-installer|wireshark(-common)?|"
    r"slapd|jackd2|iperf3|macchanger|resolvconf|python3?-opencv|libopencv-dev|r-base|"
    r"texlive.*|x11-common|gdm3|lightdm|sddm)(=.*)?$"
)


# Bases whose tzdata asks nothing: Debian's package has no prompt, and Ubuntu before 18.04
# ships tzdata preinstalled (the prompt appeared when bionic dropped it from the base).
_TZDATA_SILENT = re.compile(
    r"(^|[/:_.-])(debian|trixie|bookworm|bullseye|buster|stretch|jessie|"
    r"ubuntu1[246]\.04|1[246]\.04|xenial|trusty|precise)([/:_.-]|$)"
)
# Packages that only ask through their tzdata dependency.
_VIA_TZDATA = re.compile(r"^(tzdata|python3?-opencv|libopencv-dev|r-base)(=.*)?$")


def _tzdata_silent(base: str, profile: Profile) -> bool:
    img = profile.find_image(base)
    text = img.os if img is not None else base
    return bool(_TZDATA_SILENT.search(text.lower()))


def _noninteractive(value: str | None) -> bool:
    return (value or "").strip().lower() == "noninteractive"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    exported: set[int] = set()  # RUN lines that export DEBIAN_FRONTEND before installing
    for rc in run_commands(parsed):
        words = rc.command.argv
        if rc.name == "export" and any(w == "DEBIAN_FRONTEND=noninteractive" for w in words[1:]):
            exported.add(rc.instruction.line)
    for call in apt_calls(parsed):
        if call.action != "install":
            continue
        rc = call.run
        stage = parsed.stage_of(rc.instruction)
        asks = [p for p in call.operands if INTERACTIVE.match(p)]
        if stage is not None and _tzdata_silent(stage.base, profile):
            asks = [p for p in asks if not _VIA_TZDATA.match(p)]
        if not asks:
            continue
        scope = stage_scope(stage, rc.instruction.line) if stage else {}
        env, _ = base_env(parsed, stage, profile) if stage else ({}, "")
        prefix = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in rc.command.assignments}
        wrapped = (
            [w for w in rc.command.argv[: rc.command.argv.index(call.tool)] if "=" in w]
            if call.tool in rc.command.argv
            else []
        )
        prefix.update(w.split("=", 1) for w in wrapped)
        if (
            _noninteractive(prefix.get("DEBIAN_FRONTEND"))
            or _noninteractive(scope.get("DEBIAN_FRONTEND"))
            or _noninteractive(env.get("DEBIAN_FRONTEND"))
            or rc.instruction.line in exported
        ):
            continue
        yield Hit(
            f"installs {', '.join(asks)}, which asks questions (e.g. the time zone) and hangs the "
            "build waiting for an answer",
            line=call.line,
            help="prefix the command with DEBIAN_FRONTEND=noninteractive (or "
            "`ARG DEBIAN_FRONTEND=noninteractive` before the RUN)",
            data={"packages": asks},
        )


RULE = Rule(
    code="IS604",
    name="interactive-install",
    severity=Severity.ERROR,
    group="run",
    doc=RuleDoc(
        what="apt-get install of tzdata, keyboard-configuration and other packages that ask "
        "debconf questions, without DEBIAN_FRONTEND=noninteractive (prefix, export, ARG or ENV). "
        "tzdata (and packages that ask only through it, such as libopencv-dev) is exempt on "
        "Debian bases, whose tzdata asks nothing, and on Ubuntu before 18.04, which ships it "
        "preinstalled.",
        why="The admins' build has no terminal; tzdata's \"Geographic area\" question waits "
        "forever. The FAQ's time-zone fix (l.776-780) tempts users to install tzdata.",
        example="FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install -y tzdata\n",
        instead="FROM bit:5000/deepo_9\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive "
        "apt-get install -y tzdata\n",
        source="FAQ l.776-780",
    ),
    check=check,
)
