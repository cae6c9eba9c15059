"""Job-script lint: the IS7xx rules (input_kind "job-script") over a PBS job script or a lone
startdocker command line.

    if is_job_script(path):
        findings = lint_job_text(path.read_text(), str(path), profile, base_dir=path.parent)

Findings carry each rule's severity (or the hit's own); `# imagesmith: ignore=IS711 -- why`
comments work as in Dockerfiles: `ignore=` covers the next directive or command,
`ignore-file=` the whole script. Select/ignore/severity overrides are the caller's business.
The lint package (`imagesmith.lint`) runs them with the same runner as Dockerfiles.
"""

from __future__ import annotations

from imagesmith.lint.api import job_rules, lint_job_text, lint_parsed_job, lint_startdocker
from imagesmith.lint.discovery import JOB_SCRIPT_SUFFIXES, is_job_script
from imagesmith.lint.model import JOB_SCRIPT as INPUT_KIND
from imagesmith.parse.pragmas import job_suppressions

__all__ = [
    "INPUT_KIND",
    "JOB_SCRIPT_SUFFIXES",
    "is_job_script",
    "job_rules",
    "job_suppressions",
    "lint_job_text",
    "lint_parsed_job",
    "lint_startdocker",
]
