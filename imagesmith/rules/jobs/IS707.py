"""IS707 startdocker-script-interpreter: the -s script starts with a `#!` line."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript, StartDocker
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND, read_head, resolve_script

_BOM = b"\xef\xbb\xbf"


def _interpreter_hint(sd: StartDocker, profile: Profile) -> str:
    image = profile.find_image(sd.image) if sd.image else None
    python = image.python if image else "/usr/local/bin/python"
    return (
        f"make the first line `#!/bin/bash` (shell) or `#!{python}` (Python); "
        f'`startdocker -c "which python" {sd.image or "IMAGE"}` shows the image\'s python'
    )


def _python_mismatch(shebang: str, sd: StartDocker, profile: Profile) -> str | None:
    """A `#!/path/pythonX` that is not where the catalog says the image's python is."""
    words = shebang[2:].split()
    if not words or posixpath.basename(words[0]) == "env":
        return None
    interpreter = words[0]
    if not posixpath.basename(interpreter).startswith("python"):
        return None
    image = profile.find_image(sd.image) if sd.image else None
    if image is None or posixpath.dirname(interpreter) == posixpath.dirname(image.python):
        return None
    return image.python


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    for sd in parsed.startdockers:
        path = resolve_script(sd, parsed, profile)
        if path is None:
            continue
        head = read_head(path)
        first = head.split(b"\n", 1)[0]
        data = {"script": sd.script, "file": str(path)}
        if first.startswith(_BOM + b"#!"):
            yield Hit(
                f'the -s script {sd.script} starts with a byte-order mark before `#!`: "exec format error"',
                line=sd.line,
                data=data,
                help="save the file as UTF-8 without BOM",
            )
        elif not first.startswith(b"#!"):
            yield Hit(
                f"the -s script {sd.script} has no `#!` interpreter line: the job fails with "
                '"exec format error"',
                line=sd.line,
                data=data,
                help=_interpreter_hint(sd, profile),
            )
        elif first.endswith(b"\r"):
            yield Hit(
                f"the -s script {sd.script} has Windows line ends: its interpreter "
                f"`{first[2:-1].decode(errors='replace').strip()}\\r` does not exist",
                line=sd.line,
                data=data,
                help="convert it with `dos2unix` or `sed -i 's/\\r$//'`",
            )
        else:
            shebang = first.decode(errors="replace")
            python = _python_mismatch(shebang, sd, profile)
            if python is not None:
                yield Hit(
                    f"the -s script {sd.script} runs `{shebang[2:].strip()}`, but {sd.image}'s "
                    f"python is {python}",
                    line=sd.line,
                    severity=Severity.INFO,
                    data={**data, "python": python},
                    help=f"use `#!{python}` or `#!/usr/bin/env python` (guide l.412-413)",
                )


RULE = Rule(
    code="IS707",
    name="startdocker-script-interpreter",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="The script given to `startdocker -s` starts with an interpreter line (`#!/bin/bash`, "
        "`#!/usr/local/bin/python`), without a byte-order mark or Windows line end in front of "
        "it. Checked on disk when the path resolves (relative paths and /ghome/<user>/... "
        "against the job script's folder). A python interpreter path other than the catalog "
        "image's python is reported as info.",
        why="startdocker section (guide l.407-413): an -s script needs its interpreter on the "
        "first line, and the interpreter's place differs per image; FAQ (l.714-717): without it "
        'the job fails with "exec format error".',
        example="# run.sh, first line:\npython /ghome/<username>/train.py\n",
        instead="# run.sh, first line:\n#!/bin/bash\npython /ghome/<username>/train.py\n",
        source="guide §3 startdocker (l.407-413); FAQ (l.714-717)",
    ),
    check=check,
)
