"""IS502 bashrc-not-read: settings written to ~/.bashrc or /root/.profile, which jobs never read."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.analysis.installs import run_commands
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc

_STARTUP = re.compile(
    r"^(~|\$HOME|\$\{HOME\}|/root)/\.(bashrc|bash_profile|profile|zshrc)$|^/etc/bash\.bashrc$"
)


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for rc in run_commands(parsed):
        targets = [t for t in rc.command.redirects if _STARTUP.match(t)]
        if rc.name == "tee":
            targets += [w for w in rc.argv[1:] if _STARTUP.match(w)]
        if targets:
            yield Hit(
                f"writes to {targets[0]}: jobs run `startdocker -c/-s` non-interactively as another "
                "uid, so this file is never read and its PATH/exports have no effect",
                line=rc.line,
                help="use ENV instead, e.g. `ENV PATH=/opt/conda/bin:$PATH`",
                data={"file": targets[0]},
            )
        elif rc.name in ("conda", "mamba") and len(rc.argv) > 1 and rc.argv[1] == "init":
            yield Hit(
                "`conda init` edits ~/.bashrc, which jobs never read",
                line=rc.line,
                help="put the environment's bin folder on PATH with ENV instead",
            )


RULE = Rule(
    code="IS502",
    name="bashrc-not-read",
    severity=Severity.WARNING,
    group="job-uid",
    doc=RuleDoc(
        what="A RUN writes PATH, conda setup or other exports to ~/.bashrc, /root/.profile, "
        "/etc/bash.bashrc (via `>>`, `tee` or `conda init`).",
        why="Jobs run `startdocker -c CMD` or `-s script` non-interactively as the user's uid, "
        "not as root (guide l.366-416); neither root's startup files nor bash.bashrc are read. "
        "Only ENV reaches every job.",
        example="FROM bit:5000/deepo_9\nRUN echo 'export PATH=/opt/conda/bin:$PATH' >> ~/.bashrc\n",
        instead="FROM bit:5000/deepo_9\nENV PATH=/opt/conda/bin:$PATH\n",
        source="guide l.366-416",
    ),
    check=check,
)
