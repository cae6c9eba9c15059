"""IS501 install-under-root-home: pip --user, conda or virtualenvs placed under /root or ~."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.analysis.installs import run_commands
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.parse.shell import split_flags
from imagesmith.rules.base import Hit, Rule, RuleDoc

_HOME = re.compile(r"^(~|\$HOME|\$\{HOME\}|/root)(/|$)")
_CONDA_INSTALLER = re.compile(r"(mini|ana)conda|miniforge|mambaforge|micromamba", re.I)
_HELP = "install system-wide instead (e.g. under /opt or /usr/local) and make it world-readable"


def _hits(parsed: ParsedDockerfile) -> Iterable[tuple[int, str]]:
    for rc in run_commands(parsed):
        argv, name = rc.argv, rc.name
        if not argv:
            continue
        if re.fullmatch(r"pip[0-9.]*", name) or (
            re.fullmatch(r"python[0-9.]*", name) and "pip" in argv[1:3]
        ):
            if "install" in argv and "--user" in argv:
                yield (
                    rc.line,
                    "`pip install --user` puts packages under the building user's home (/root/.local)",
                )
        elif (
            name in ("bash", "sh")
            and len(argv) > 1
            and _CONDA_INSTALLER.search(argv[1])
            and argv[1].endswith(".sh")
        ):
            _, _, values = split_flags(list(argv[2:]), {"-p"})
            prefix = (values.get("-p") or [""])[0]
            if not prefix or _HOME.match(prefix):
                where = prefix or "~/miniconda3 (its default)"
                yield rc.line, f"the conda installer puts conda under {where}, in root's home"
        elif name in ("virtualenv", "venv") or (
            re.fullmatch(r"python[0-9.]*", name) and argv[1:3] == ("-m", "venv")
        ):
            targets = [w for w in argv[1:] if not w.startswith("-") and w not in ("venv", "-m")]
            if targets and _HOME.match(targets[-1]):
                yield rc.line, f"the virtualenv {targets[-1]} is in root's home"
        elif name in ("conda", "mamba") and len(argv) > 1 and argv[1] in ("create", "env"):
            _, _, values = split_flags(
                list(argv[2:]), {"-p", "--prefix", "-n", "--name", "-f", "--file"}
            )
            prefix = (values.get("-p") or values.get("--prefix") or [""])[0]
            if prefix and _HOME.match(prefix):
                yield rc.line, f"the conda environment {prefix} is in root's home"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for line, what in _hits(parsed):
        yield Hit(
            f"{what}; jobs run as uid {profile.jobs.job_uid}-style users with no passwd entry, "
            "whose HOME is not /root and who cannot read /root",
            line=line,
            help=_HELP,
        )


RULE = Rule(
    code="IS501",
    name="install-under-root-home",
    severity=Severity.ERROR,
    group="job-uid",
    doc=RuleDoc(
        what="Software is installed into root's home: `pip install --user`, a conda installer "
        "run without `-p` or with a prefix under /root or ~, a virtualenv or conda env under "
        "/root or ~.",
        why="Jobs run through startdocker as the user's own non-root uid, which has no passwd "
        'entry ("I have no name!", FAQ l.708) and cannot read /root (mode 700); the build runs '
        "as root, so anything under /root is invisible to every job (guide l.366-369).",
        example="FROM bit:5000/deepo_9\nRUN pip install --user tqdm\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install tqdm==4.23.4\n",
        source="guide l.366-369, FAQ l.708",
    ),
    check=check,
)
