"""Entry points of the lint package: paths, text, one startdocker line, job-script text.

    report = lint_paths([Path("dockertmp")], profile)
    report.exit_code()   # 0 clean, 1 findings at/above the threshold

Inputs: a Dockerfile (no build-context checks), a build folder (its `Dockerfile`, with the
folder as the build context), a PBS job script, or a directory tree (recursed). `lint_text`
lints text (stdin) without context checks unless a `context_dir` is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.core.errors import UserInputError
from imagesmith.lint.discovery import discover
from imagesmith.lint.model import JOB_SCRIPT, LintOptions, LintReport
from imagesmith.lint.runner import LintJob, check, prepare_job_script, run_jobs
from imagesmith.lint.settings import merge, settings_for

if TYPE_CHECKING:
    from imagesmith.core.findings import Finding
    from imagesmith.core.profile import Profile
    from imagesmith.parse.jobscript import ParsedJobScript
    from imagesmith.rules.base import Rule

STARTDOCKER_LABEL = "<startdocker>"


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read: {exc.strerror}", where=path) from None
    return data.decode("utf-8", errors="replace")


def lint_paths(
    paths: Sequence[Path], profile: Profile, options: LintOptions | None = None
) -> LintReport:
    """Lint files, build folders and directory trees with one set of rule runs."""
    options = options or LintOptions()
    jobs = []
    for target in discover(paths):
        jobs.append(LintJob(
            str(target.path),
            _read(target.path),
            settings_for(target.path, options),
            context=target.context if options.context else None,
            misnamed=target.misnamed,
            base_dir=target.path.parent,
        ))
    return LintReport(run_jobs(jobs, profile), profile.name, options.fail_on)


def lint_text(
    text: str,
    label: str,
    profile: Profile,
    options: LintOptions | None = None,
    context_dir: Path | None = None,
) -> LintReport:
    """Lint Dockerfile (or job-script) text: stdin, a rendered template; context checks only
    with `context_dir`."""
    options = options or LintOptions()
    job = LintJob(
        label,
        text,
        settings_for(context_dir, options),
        context=context_dir if options.context else None,
        base_dir=Path(label).parent if label != "-" else None,
    )
    return LintReport(run_jobs([job], profile), profile.name, options.fail_on)


def lint_startdocker_line(
    cmdline: str, profile: Profile, options: LintOptions | None = None, base_dir: Path | None = None
) -> LintReport:
    """Lint one `startdocker ...` command line (`imagesmith lint --startdocker "..."`);
    `base_dir` chooses the `[lint]` config."""
    from imagesmith.parse.jobscript import startdocker_line

    options = options or LintOptions()
    job = LintJob(STARTDOCKER_LABEL, startdocker_line(cmdline), settings_for(base_dir, options),
                  job_script=True)
    return LintReport(run_jobs([job], profile), profile.name, options.fail_on)


# -- job scripts without options or config (the rules' own severities) ------------------


def job_rules() -> list[Rule]:
    from imagesmith.rules.registry import all_rules

    return [r for r in all_rules() if r.input_kind == JOB_SCRIPT]


def lint_parsed_job(
    parsed: ParsedJobScript, profile: Profile, *, pragmas: bool = True,
    rules: list[Rule] | None = None,
) -> list[Finding]:
    settings = merge(LintOptions(pragmas=pragmas, use_config=False), None)
    job = LintJob(parsed.path, parsed.text, settings, job_script=True, parsed=parsed)
    return check(job, rules if rules is not None else job_rules(), profile).findings


def lint_job_text(
    text: str, path_label: str, profile: Profile, base_dir: Path | None = None, *,
    pragmas: bool = True,
) -> list[Finding]:
    """Lint a job script (or one startdocker command line) with every job-script rule.

    `base_dir` is where relative -s paths, `$PBS_O_WORKDIR` and `/ghome/<user>/...` paths are
    looked up on disk for IS707/IS708/IS712 (normally the job script's folder); None checks
    only absolute paths that exist as written.
    """
    settings = merge(LintOptions(pragmas=pragmas, use_config=False), None)
    job = LintJob(path_label, text, settings, job_script=True, base_dir=base_dir)
    prepare_job_script(job)
    return check(job, job_rules(), profile).findings


def lint_startdocker(
    cmdline: str, profile: Profile, base_dir: Path | None = None, label: str = STARTDOCKER_LABEL
) -> list[Finding]:
    """Lint one startdocker command line; the leading `startdocker` word may be left out.
    PBS rules stay silent (there are no #PBS lines)."""
    from imagesmith.parse.jobscript import startdocker_line

    return lint_job_text(startdocker_line(cmdline), label, profile, base_dir)
