"""The one lint runner: Dockerfiles and job scripts go through the same steps.

    results = run_jobs([LintJob("Dockerfile", text, settings, context=folder)], profile)

Per file: prepare it (parse; a template, a file BuildKit rejects or a fragment gets its one
finding at once), run the enabled rules of its input kind (build-folder rules only with a
folder), merge hadolint's DL/SC findings (Dockerfiles), apply severity overrides, then the
pragmas (lint/suppress.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import DockerfileParseError, InternalError, UserInputError
from imagesmith.core.findings import Finding, Severity
from imagesmith.lint.discovery import is_job_script
from imagesmith.lint.external import as_finding, hadolint_findings, prefetch_shellcheck
from imagesmith.lint.twins import merge_twins
from imagesmith.lint.model import DOCKERFILE, JOB_SCRIPT, FileResult
from imagesmith.lint.settings import Settings, code_enabled, severity_override
from imagesmith.lint.suppress import apply_pragmas

if TYPE_CHECKING:
    from imagesmith.analysis.external import ExternalFinding
    from imagesmith.core.profile import Profile
    from imagesmith.rules.base import Hit, Rule


@dataclass
class LintJob:
    label: str
    text: str
    settings: Settings
    context: Path | None = None  # build folder for context checks
    misnamed: bool = False  # see LintTarget.misnamed
    job_script: bool | None = None  # None: decide from the name and the text
    base_dir: Path | None = None  # job scripts: where relative and user-home paths resolve
    parsed: Any = None  # the parsed Dockerfile or job script, once prepared
    result: FileResult | None = None  # set by prepare (no rules to run) or by check

    @property
    def kind(self) -> str:
        return JOB_SCRIPT if self.job_script else DOCKERFILE


def _span(lines: Sequence[str], line: int, column: int = 1, end_column: int | None = None,
          subject: str | None = None) -> tuple[int, int | None]:
    """The columns a finding covers on its first line: the ones given, else its subject's
    first occurrence as a word on that line, else the line's text without its indentation."""
    if column > 1 or end_column is not None:
        return column, end_column
    if not 1 <= line <= len(lines):
        return column, None
    text = lines[line - 1].rstrip()
    if subject:
        # the subject as a word of its own (`COPY --chown=app app /app` points at the second)
        word = re.search(r"(?<![^\s\"'])" + re.escape(subject) + r"(?![^\s\"'])", text)
        at = word.start() if word else text.find(subject)
        if at >= 0:
            return at + 1, at + 1 + len(subject)
    if not text.strip():
        return column, None
    return len(text) - len(text.lstrip()) + 1, len(text) + 1


def _special_finding(
    code: str, message: str, path: str, line: int = 1, help: str = "",
    severity: Severity | None = None,
) -> Finding:
    from imagesmith.rules.registry import get_rule

    rule = get_rule(code)
    return Finding(code, rule.name, severity or rule.severity, message, path, line, line, 1, help)


def _crashed(job: LintJob, stage: str, exc: Exception) -> None:
    """Replace the job's result with the one IS003 finding for an imagesmith failure."""
    import platform

    from imagesmith import __version__
    from imagesmith.core.crashlog import write_crash_log

    details = {"imagesmith": __version__, "Python": platform.python_version(),
               "file": job.label, "stage": stage}
    try:
        log = str(write_crash_log(exc, details))
    except OSError as err:  # no writable cache or temp dir: still report the failure
        log = f"not written: {err.strerror or err}"
    cause = exc.__cause__ if isinstance(exc, InternalError) and exc.__cause__ else exc
    finding = _special_finding(
        "IS003",
        f"imagesmith failed while {stage}: {type(cause).__name__}: {str(cause)[:300]} "
        f"(crash log: {log})",
        job.label,
        help="a bug in imagesmith, not a verdict on the file: report it with the crash log",
    )
    finding.data["crash_log"] = log
    job.parsed = None
    job.result = FileResult(job.label, job.kind, [finding], crash_log=log)


def _skipped_findings(job: LintJob, hadolint_skipped: dict[str, str]) -> list[Finding]:
    """IS004 for each check an external tool gave no verdict on (never silently dropped)."""
    from imagesmith.analysis.shellcheck import shellcheck_skipped

    out = []
    eff = job.settings
    if not code_enabled("IS004", eff):
        return out
    override = severity_override("IS004", eff)
    if job.label in hadolint_skipped:
        out.append(_special_finding(
            "IS004", f"hadolint skipped: {hadolint_skipped[job.label]}; its DL/SC findings "
            "for this file are unknown", job.label,
            help="hadolint gives no verdict past its limits; check the file by hand",
            severity=override))
    if job.kind == DOCKERFILE and code_enabled("IS608", eff):
        for line, why in sorted(shellcheck_skipped(job.parsed).items()):
            out.append(_special_finding(
                "IS004", f"ShellCheck skipped this RUN: {why}; IS608 is unknown here",
                job.label, line,
                help="split a very long RUN into several, or move it into a script",
                severity=override))
    return out


def prepare_dockerfile(job: LintJob, profile: Profile) -> None:
    """Parse a Dockerfile and attach what the rules need (the one place this happens); sets
    `job.result` instead when there is nothing to run rules on."""
    from imagesmith.model import model_for
    from imagesmith.parse.dockerfile import TEMPLATE_MARKERS, looks_like_template, source_lines

    if looks_like_template(job.text, job.label):
        line = next(
            (i for i, t in enumerate(source_lines(job.text), 1) if TEMPLATE_MARKERS.search(t)), 1
        )
        job.result = FileResult(job.label, "template", [_special_finding(
            "IS002",
            "a template, not a Dockerfile (unrendered markers such as {{ }}, {% %}, "
            "%%NAME%%, or a template file name): render it before linting",
            job.label,
            line,
            "lint the rendered Dockerfile, e.g. `imagesmith dockerfile` output",
        )])
        return
    try:
        parsed = model_for(
            job.text, job.label, profile, context_dir=job.context, misnamed=job.misnamed
        )
    except DockerfileParseError as exc:
        job.result = FileResult(job.label, DOCKERFILE, [_special_finding(
            "IS001",
            f"BuildKit's parser rejects this file: {exc.message}",
            job.label,
            help="fix the syntax; `docker build` would stop here",
        )])
        return
    if not parsed.stages:
        first = parsed.instructions[0].line if parsed.instructions else 1
        job.result = FileResult(job.label, "fragment", [_special_finding(
            "IS001",
            "no FROM instruction: a fragment, not a buildable Dockerfile",
            job.label,
            first,
            "start with `FROM <catalog image>`",
        )])
        return
    job.parsed = parsed


def prepare_job_script(job: LintJob) -> None:
    from imagesmith.parse.jobscript import parse_job_script

    parsed = parse_job_script(job.text, job.label)
    parsed.base_dir = job.base_dir
    job.parsed = parsed


def _hits(rule: Rule, parsed: Any, profile: Profile) -> list[Hit]:
    try:
        return list(rule.check(parsed, profile))
    except Exception as exc:  # a rule bug must not pass for a clean file
        raise InternalError(
            f"rule {rule.code} failed on {parsed.path}: {type(exc).__name__}: {exc}"
        ) from exc


def check(
    job: LintJob,
    rules: Sequence[Rule],
    profile: Profile,
    external: Sequence[ExternalFinding] = (),
) -> FileResult:
    """Run the rules (and merge `external` hadolint findings) on a prepared job."""
    from imagesmith.parse.dockerfile import source_lines

    eff = job.settings
    findings: list[Finding] = []
    lines = source_lines(job.text)  # numbered as the parsers number them
    for rule in rules:
        if rule.input_kind != job.kind or not code_enabled(rule.code, eff):
            continue
        if rule.needs_context and job.context is None:
            continue
        override = severity_override(rule.code, eff)
        for hit in _hits(rule, job.parsed, profile):
            column, end_column = _span(lines, hit.line, hit.column, hit.end_column, hit.subject)
            findings.append(Finding(
                code=rule.code,
                name=rule.name,
                severity=override or hit.severity or rule.severity,
                message=hit.message,
                path=job.label,
                line=hit.line,
                end_line=hit.end_line,
                column=column,
                help=hit.help,
                data=dict(hit.data),
                end_column=end_column,
            ))
    for ext in external:
        if ext.code == "DL1000" and job.parsed is not None:
            # BuildKit's parser read the file (heredocs, newer syntax); hadolint's did not: that
            # is no error in the file, but hadolint's verdict on it is unknown
            if code_enabled("IS004", eff):
                findings.append(_special_finding(
                    "IS004", f"hadolint could not read this file (DL1000 at line {ext.line}: "
                    f"{' '.join(ext.message.split())[:120]}), which BuildKit's parser reads; its "
                    "DL/SC findings for this file are unknown", job.label, ext.line,
                    help="hadolint's parser predates this syntax; check those rules by hand",
                    severity=Severity.INFO))
            continue
        if code_enabled(ext.code, eff):
            finding = as_finding(ext, job.label, severity_override(ext.code, eff))
            column, end_column = _span(lines, finding.line, finding.column)
            findings.append(replace(finding, column=column, end_column=end_column))
    filtered = apply_pragmas(findings, job.parsed, job.kind, enabled=eff.pragmas)
    context = str(job.context) if job.context is not None and job.kind == DOCKERFILE else None
    job.result = FileResult(
        job.label,
        job.kind,
        sorted(merge_twins(filtered.kept), key=Finding.sort_key),
        context,
        eff.fail_on,
        filtered.suppressed,
    )
    return job.result


def _prefetch(jobs: list[LintJob]) -> Any:
    """One ShellCheck batch for these files; a file whose RUNs cannot be extracted gets IS003
    and the batch goes on without it."""
    try:
        return prefetch_shellcheck([j.parsed for j in jobs])
    except Exception:  # noqa: BLE001 - find the file that broke it, below
        pass
    ok = []
    for job in jobs:
        try:
            from imagesmith.analysis.shellcheck import shell_sources

            shell_sources(job.parsed)
            ok.append(job)
        except Exception as exc:  # noqa: BLE001 - reported as the file's IS003
            _crashed(job, "extracting its RUN scripts", exc)
    return prefetch_shellcheck([j.parsed for j in ok])


def run_jobs(jobs: list[LintJob], profile: Profile) -> list[FileResult]:
    """Lint every job with one hadolint process and one ShellCheck batch; results in job order."""
    from imagesmith.rules.registry import all_rules

    for job in jobs:
        try:
            if job.job_script is None:
                job.job_script = is_job_script(Path(job.label), job.text)
            if job.job_script:
                prepare_job_script(job)
            else:
                prepare_dockerfile(job, profile)
        except UserInputError:
            raise
        except Exception as exc:  # one file that breaks the parser must not stop the run
            _crashed(job, "parsing it", exc)
    rules = all_rules()
    live = [j for j in jobs if j.parsed is not None]
    dockerfiles = [j for j in live if j.kind == DOCKERFILE]
    batch = None
    if any(r.code == "IS608" for r in rules):
        batch = _prefetch(
            [j for j in dockerfiles if code_enabled("IS608", j.settings)]
        )
        live = [j for j in jobs if j.parsed is not None]
        dockerfiles = [j for j in live if j.kind == DOCKERFILE]
    try:
        hadolint = hadolint_findings({j.label: (j.text, j.settings.hadolint) for j in dockerfiles})
        for job in live:
            try:
                result = check(job, rules, profile, hadolint.findings.get(job.label, ()))
                extra = _skipped_findings(job, hadolint.skipped)
            except UserInputError:
                raise
            except Exception as exc:  # a rule bug on one file: that file's IS003, the rest go on
                _crashed(job, "checking it", exc)
                continue
            if extra:
                result.findings = sorted([*result.findings, *extra], key=Finding.sort_key)
    finally:
        if batch is not None:
            batch.pending.close()
    results = []
    for job in jobs:
        assert job.result is not None
        job.result.fail_on = job.settings.fail_on
        results.append(job.result)
    return results
