"""The lint service: find Dockerfiles, parse them, run the rules, apply config and pragmas.

    report = lint_paths([Path("dockertmp")], profile)
    report.exit_code()   # 0 clean, 1 findings at/above the threshold

Inputs: a Dockerfile (no build-context checks), a build folder (its `Dockerfile`, with the
folder as the build context), or a directory tree (recursed). `lint_text` lints text
(stdin) without context checks unless a `context_dir` is given.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from imagesmith.core.errors import DockerfileParseError, InternalError, UserInputError
from imagesmith.core.findings import Finding, Severity
from imagesmith.core.lint_config import LintConfig, lint_config_for

if TYPE_CHECKING:
    from imagesmith.core.profile import Profile
    from imagesmith.parse.dockerfile import ParsedDockerfile
    from imagesmith.rules.base import Hit, Rule

DEFAULT_FAIL_ON = Severity.WARNING
DOCKERFILE_PATTERNS = (
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
    "*.dockerfile",
    "Containerfile",
    "Containerfile.*",
)
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
_HADOLINT_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}


@dataclass
class LintOptions:
    select: list[str] = field(default_factory=list)  # codes or prefixes; empty = all
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)  # code or prefix -> severity
    fail_on: Severity | None = None  # None: the config's `fail-on`, else warning
    pragmas: bool = True
    hadolint: str | None = None  # "off" | "auto" | "on"; None: the config's, else default_hadolint
    default_hadolint: str = "off"  # the CLI uses "auto"
    context: bool = True  # run build-folder checks when a folder is known
    use_config: bool = True  # read `[lint]` from imagesmith.toml found upward


@dataclass
class FileResult:
    path: str
    kind: str  # "dockerfile" | "template" | "fragment" | "job-script"
    findings: list[Finding]
    context: str | None = None  # the build folder used for context checks
    fail_on: Severity = DEFAULT_FAIL_ON
    suppressed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "context": self.context,
            "findings": [finding_json(f) for f in self.findings],
        }


def finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "line": f.line,
        "end_line": f.end_line if f.end_line is not None else f.line,
        "column": f.column,
        "message": f.message,
        "help": f.help,
    }
    if f.data:
        out["data"] = f.data
    return out


@dataclass
class LintReport:
    results: list[FileResult]
    profile: str = ""
    fail_on: Severity | None = None  # an explicit threshold for the whole report

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def failing(self, fail_on: Severity | None = None) -> list[Finding]:
        out = []
        for r in self.results:
            threshold = fail_on or self.fail_on or r.fail_on
            out.extend(f for f in r.findings if f.severity.rank >= threshold.rank)
        return out

    def exit_code(self, fail_on: Severity | None = None) -> int:
        return 1 if self.failing(fail_on) else 0

    def summary(self) -> dict[str, Any]:
        by_sev = {s.value: 0 for s in Severity}
        by_code: dict[str, int] = {}
        for f in self.findings:
            by_sev[f.severity.value] += 1
            by_code[f.code] = by_code.get(f.code, 0) + 1
        return {
            "files": len(self.results),
            "findings": len(self.findings),
            "by_severity": by_sev,
            "by_code": dict(sorted(by_code.items())),
            "suppressed": sum(r.suppressed for r in self.results),
            "exit_code": self.exit_code(),
        }

    def to_json(self) -> dict[str, Any]:
        from imagesmith import __version__

        return {
            "tool": "imagesmith",
            "version": __version__,
            "profile": self.profile,
            "results": [r.to_json() for r in self.results],
            "summary": self.summary(),
        }


# -- finding the inputs -----------------------------------------------------------


@dataclass(frozen=True)
class LintTarget:
    path: Path
    context: Path | None  # build folder for context checks
    misnamed: bool = False  # in a build folder without a file named exactly `Dockerfile`


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in DOCKERFILE_PATTERNS)


_NEAR_MISSES = {"dockerfile", "dockerfile.txt", "dockerfile.dockerfile", "containerfile"}


def _near_misses(folder: Path) -> list[Path]:
    """Files meant as the build folder's `Dockerfile` under a slightly different name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower() in _NEAR_MISSES)


def discover(paths: Sequence[Path]) -> list[LintTarget]:
    """Lint targets for files, build folders and directory trees (missing paths: exit 2)."""
    targets: list[LintTarget] = []
    for path in paths:
        if path.is_file():
            targets.append(LintTarget(path, None))
        elif path.is_dir():
            targets.extend(_discover_folder(path))
        elif path.exists():
            raise UserInputError(
                "not a regular file (a FIFO, socket or device)", where=path,
                hint="give a Dockerfile, a job script or a build folder",
            )
        else:
            raise UserInputError(
                "no such file or folder", where=path, hint="give a Dockerfile or a build folder"
            )
    return targets


_JOB_SNIFF_SUFFIXES = (".sh", ".job", ".qsub", ".bash")


def _job_script_candidate(path: Path) -> bool:
    """In directory walks: `*.pbs`, or a shell-like file with `#PBS` lines."""
    from imagesmith.services.jobs_lint import is_job_script

    suffix = path.suffix.lower()
    if suffix == ".pbs":
        return True
    return suffix in _JOB_SNIFF_SUFFIXES and is_job_script(path)


def _discover_folder(folder: Path) -> list[LintTarget]:
    exact = folder / "Dockerfile"
    if exact.is_file():
        return [LintTarget(exact, folder)]
    near = _near_misses(folder)
    if near:
        return [LintTarget(p, folder, misnamed=True) for p in near]
    found: list[LintTarget] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            here = Path(root)
            if not (here / name).is_file():  # FIFOs, sockets, devices: reading one would block
                continue
            if is_dockerfile_name(name):
                found.append(LintTarget(here / name, here if name == "Dockerfile" else None))
            elif _job_script_candidate(here / name):
                found.append(LintTarget(here / name, None))
    if not found:
        raise UserInputError(
            "no Dockerfile found in this folder or below",
            where=folder,
            hint="a build folder holds a file named exactly `Dockerfile`",
        )
    return found


# -- running the rules ------------------------------------------------------------


@dataclass
class _Effective:
    select: list[str]
    ignore: list[str]
    severity: dict[str, Severity]
    fail_on: Severity
    pragmas: bool
    hadolint: str


def _effective(options: LintOptions, config: LintConfig | None) -> _Effective:
    cfg = config or LintConfig()
    severity = {k.upper(): Severity.parse(v) for k, v in cfg.severity.items()}
    severity.update({k.upper(): v for k, v in options.severity.items()})
    fail_on = options.fail_on or (Severity.parse(cfg.fail_on) if cfg.fail_on else DEFAULT_FAIL_ON)
    return _Effective(
        select=[s.upper() for s in (options.select or cfg.select)],
        ignore=[s.upper() for s in (*cfg.ignore, *options.ignore)],
        severity=severity,
        fail_on=fail_on,
        pragmas=options.pragmas and cfg.pragmas,
        hadolint=options.hadolint or cfg.hadolint or options.default_hadolint,
    )


def _longest_prefix(code: str, table: dict[str, Severity]) -> Severity | None:
    best = max((k for k in table if code.startswith(k)), key=len, default=None)
    return table[best] if best is not None else None


def code_enabled(code: str, eff: _Effective) -> bool:
    if eff.select and not any(code.startswith(s) for s in eff.select):
        return False
    return not any(code.startswith(i) for i in eff.ignore)


def _finding(rule_code: str, name: str, severity: Severity, hit: "Hit", path: str) -> Finding:
    return Finding(
        code=rule_code,
        name=name,
        severity=severity,
        message=hit.message,
        path=path,
        line=hit.line,
        end_line=hit.end_line,
        column=hit.column,
        help=hit.help,
        data=dict(hit.data),
    )


def _run_rule(rule: "Rule", parsed: "ParsedDockerfile", profile: "Profile") -> list["Hit"]:
    try:
        return list(rule.check(parsed, profile))
    except Exception as exc:  # noqa: BLE001 - a rule bug must not hide the other findings
        raise InternalError(
            f"rule {rule.code} failed on {parsed.path}: {type(exc).__name__}: {exc}"
        ) from exc


def _classify(text: str, label: str) -> str:
    from imagesmith.parse.dockerfile import looks_like_template

    return "template" if looks_like_template(text, label) else "dockerfile"


def _special_finding(code: str, message: str, path: str, line: int = 1, help: str = "") -> Finding:
    from imagesmith.rules.registry import get_rule

    rule = get_rule(code)
    return Finding(code, rule.name, rule.severity, message, path, line, line, 1, help)


@dataclass
class _Job:
    label: str
    text: str
    context: Path | None
    misnamed: bool
    eff: _Effective
    parsed: "ParsedDockerfile | None" = None
    result: FileResult | None = None
    job_script: bool | None = None  # None: decide from the name and the text


def _lint_job_script(job: _Job, profile: "Profile") -> None:
    """PBS job scripts and startdocker lines: the IS7xx rules, same filters and pragmas."""
    from imagesmith.parse.jobscript import parse_job_script
    from imagesmith.services.jobs_lint import job_suppressions, lint_parsed_job

    parsed = parse_job_script(job.text, job.label)
    parsed.base_dir = Path(job.label).parent if job.label not in ("-", "<startdocker>") else None
    enabled = []
    for f in lint_parsed_job(parsed, profile, pragmas=False):
        if code_enabled(f.code, job.eff):
            override = _longest_prefix(f.code, job.eff.severity)
            enabled.append(dataclasses.replace(f, severity=override) if override else f)
    kept = enabled
    if job.eff.pragmas:
        sups = job_suppressions(parsed)
        kept = [f for f in enabled if not any(s.covers(f.code, f.line) for s in sups)]
    job.result = FileResult(job.label, "job-script", sorted(kept, key=Finding.sort_key), None,
                            job.eff.fail_on, len(enabled) - len(kept))


def _prepare(job: _Job) -> None:
    from imagesmith.parse.dockerfile import parse_dockerfile

    if _classify(job.text, job.label) == "template":
        from imagesmith.parse.dockerfile import TEMPLATE_MARKERS

        line = next(
            (i for i, t in enumerate(job.text.splitlines(), 1) if TEMPLATE_MARKERS.search(t)), 1
        )
        job.result = FileResult(
            job.label,
            "template",
            [
                _special_finding(
                    "IS002",
                    "a template, not a Dockerfile (unrendered markers such as {{ }}, {% %}, "
                    "%%NAME%%, or a template file name): render it before linting",
                    job.label,
                    line,
                    "lint the rendered Dockerfile, e.g. `imagesmith dockerfile` output",
                )
            ],
        )
        return
    try:
        parsed = parse_dockerfile(job.text, job.label)
    except DockerfileParseError as exc:
        job.result = FileResult(
            job.label,
            "dockerfile",
            [
                _special_finding(
                    "IS001",
                    f"BuildKit's parser rejects this file: {exc.message}",
                    job.label,
                    help="fix the syntax; `docker build` would stop here",
                )
            ],
        )
        return
    if not parsed.stages:
        first = parsed.instructions[0].line if parsed.instructions else 1
        job.result = FileResult(
            job.label,
            "fragment",
            [
                _special_finding(
                    "IS001",
                    "no FROM instruction: a fragment, not a buildable Dockerfile",
                    job.label,
                    first,
                    "start with `FROM <catalog image>`",
                )
            ],
        )
        return
    parsed.context_dir = job.context
    if job.misnamed:
        parsed.cache["misnamed"] = True
    job.parsed = parsed


def _lint_jobs(jobs: list[_Job], profile: "Profile", options: LintOptions) -> list[FileResult]:
    from imagesmith.rules.registry import all_rules

    from imagesmith.services.jobs_lint import is_job_script

    for job in jobs:
        if job.job_script is None:
            job.job_script = is_job_script(Path(job.label), job.text)
        if job.job_script:
            _lint_job_script(job, profile)
        else:
            _prepare(job)
    rules = all_rules()
    live = [j for j in jobs if j.parsed is not None]
    batch = _prefetch_shellcheck(live, rules)
    try:
        hadolint = _hadolint_findings(live)
        for job in live:
            _check_one(job, rules, hadolint, profile, options)
    finally:
        if batch is not None:
            batch.pending.close()
    results = []
    for job in jobs:
        assert job.result is not None
        job.result.fail_on = job.eff.fail_on
        results.append(job.result)
    return results


def _check_one(
    job: _Job,
    rules: list["Rule"],
    hadolint: dict[str, list[Any]],
    profile: "Profile",
    options: LintOptions,
) -> None:
    from imagesmith.parse.pragmas import suppressions

    parsed = job.parsed
    assert parsed is not None
    findings: list[Finding] = []
    for rule in rules:
        if rule.input_kind != "dockerfile" or not code_enabled(rule.code, job.eff):
            continue
        if rule.needs_context and (parsed.context_dir is None or not options.context):
            continue
        override = _longest_prefix(rule.code, job.eff.severity)
        for hit in _run_rule(rule, parsed, profile):
            sev = override or hit.severity or rule.severity
            findings.append(_finding(rule.code, rule.name, sev, hit, job.label))
    for ext in hadolint.get(job.label, []):
        if code_enabled(ext.code, job.eff):
            sev = _longest_prefix(ext.code, job.eff.severity) or _HADOLINT_LEVELS.get(
                ext.level, Severity.WARNING
            )
            findings.append(
                Finding(
                    ext.code,
                    "hadolint" if ext.code.startswith("DL") else "shellcheck",
                    sev,
                    ext.message,
                    job.label,
                    ext.line,
                    ext.line,
                    ext.column,
                    _external_help(ext.code),
                )
            )
    kept = findings
    if job.eff.pragmas:
        sups = suppressions(parsed)
        kept = [f for f in findings if not any(s.covers(f.code, f.line) for s in sups)]
    kept.sort(key=Finding.sort_key)
    job.result = FileResult(
        job.label,
        "dockerfile",
        kept,
        str(parsed.context_dir) if parsed.context_dir else None,
        job.eff.fail_on,
        len(findings) - len(kept),
    )


def _external_help(code: str) -> str:
    if code.startswith("DL"):
        return f"https://github.com/hadolint/hadolint/wiki/{code}"
    return f"https://www.shellcheck.net/wiki/{code}"


def _hadolint_findings(jobs: list[_Job]) -> dict[str, list[Any]]:
    from imagesmith.analysis.external import hadolint_binary, run_hadolint

    modes = {j.eff.hadolint for j in jobs}
    binary = None
    for mode in ("on", "auto"):
        if mode in modes:
            binary = hadolint_binary(mode) or binary
    if binary is None:
        return {}
    return run_hadolint(binary, {j.label: j.text for j in jobs if j.eff.hadolint != "off"})


def _prefetch_shellcheck(jobs: list[_Job], rules: list["Rule"]) -> Any:
    """Start ShellCheck in the background for every RUN of every file when IS608 is on."""
    if not any(r.code == "IS608" for r in rules):
        return None
    wanted = [j.parsed for j in jobs if j.parsed is not None and code_enabled("IS608", j.eff)]
    if not wanted:
        return None
    from imagesmith.analysis.shellcheck import prefetch

    return prefetch(wanted)


# -- entry points ---------------------------------------------------------------


def _config_for(path: Path | None, options: LintOptions) -> LintConfig | None:
    if not options.use_config:
        return None
    return lint_config_for(path if path is not None else Path.cwd())


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read: {exc.strerror}", where=path) from None
    return data.decode("utf-8", errors="replace")


def lint_paths(
    paths: Sequence[Path], profile: "Profile", options: LintOptions | None = None
) -> LintReport:
    """Lint files, build folders and directory trees with one set of rule runs."""
    options = options or LintOptions()
    jobs = []
    for target in discover(paths):
        eff = _effective(options, _config_for(target.path, options))
        context = target.context if options.context else None
        jobs.append(_Job(str(target.path), _read(target.path), context, target.misnamed, eff))
    return LintReport(_lint_jobs(jobs, profile, options), profile.name, options.fail_on)


def lint_text(
    text: str,
    label: str,
    profile: "Profile",
    options: LintOptions | None = None,
    context_dir: Path | None = None,
) -> LintReport:
    """Lint Dockerfile text (stdin, a rendered template); context checks only with `context_dir`."""
    options = options or LintOptions()
    eff = _effective(options, _config_for(context_dir, options))
    job = _Job(label, text, context_dir if options.context else None, False, eff)
    return LintReport(_lint_jobs([job], profile, options), profile.name, options.fail_on)


def lint_startdocker_line(
    cmdline: str, profile: "Profile", options: LintOptions | None = None, base_dir: Path | None = None
) -> LintReport:
    """Lint one `startdocker ...` command line (`imagesmith lint --startdocker "..."`)."""
    from imagesmith.parse.jobscript import startdocker_line

    options = options or LintOptions()
    eff = _effective(options, _config_for(base_dir, options))
    job = _Job("<startdocker>", startdocker_line(cmdline), None, False, eff, job_script=True)
    return LintReport(_lint_jobs([job], profile, options), profile.name, options.fail_on)
