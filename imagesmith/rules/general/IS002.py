"""IS002 unrendered-template: Jinja/Go template markers left in the file (the service emits it)."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: object, profile: object) -> Iterable[Hit]:
    return ()  # emitted by the lint service before any rule runs


RULE = Rule(
    code="IS002",
    name="unrendered-template",
    severity=Severity.ERROR,
    group="input",
    doc=RuleDoc(
        what="The file still holds template markers (`{{ }}`, `{% %}`): it is a template, not the "
        "Dockerfile the admins will build. One finding is reported and no other rule runs.",
        why="The admins run `docker build` on the folder as handed over (guide l.570); Docker "
        "does not render templates, so the build fails or installs the wrong thing.",
        example="FROM {{ base_image }}\nRUN pip install torch=={{ torch_version }}\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install torch==0.4.0\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
