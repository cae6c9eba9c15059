"""The second-opinion corpus: Dockerfile cases taken from hadolint's and BuildKit's own test
suites, each with the verdict the real semantics (apt, dash, BuildKit) call for.

    for case in load_cases():
        verdict = judge(case, load_profile("default"))
        verdict.agrees   # imagesmith's findings match `expect` (and `line`)

A case is a folder `cases/<upstream>/<name>/` holding a `Dockerfile`, any build-folder files
the case needs, and `expect.toml` (keys in `CaseExpectation`). `NAME.symlink` holding a path
becomes the symbolic link NAME -> path in the build folder (kept as text so that no link
leaves the repository or its sdist). The folder is copied without
`expect.toml` into a scratch build folder and linted there through the service the CLI calls,
with hadolint off, so the verdict is imagesmith's own.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imagesmith.core.findings import Finding
    from imagesmith.core.profile import Profile

CASES_DIR = Path(__file__).parent / "cases"
EXPECT_FILE = "expect.toml"
SYMLINK_SUFFIX = ".symlink"
_KEYS = {"upstream", "rule", "expect", "line", "why", "differs_on_purpose", "xfail_reason", "engine"}
_INPUT_RULES = ("IS001", "IS002")  # parse error, template: no other rule ran


class CaseError(ValueError):
    """A malformed case folder: one line naming the folder and what is wrong."""


@dataclass(frozen=True)
class CaseExpectation:
    folder: Path
    upstream: str
    rule: str
    expect: str  # "fire" | "quiet"
    why: str
    line: int | None = None
    differs_on_purpose: str = ""
    xfail_reason: str = ""
    engine: str = ""  # "fails" | "builds": what the real engine's classic builder does with it

    @property
    def id(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"


@dataclass(frozen=True)
class Verdict:
    case: CaseExpectation
    findings: tuple[Finding, ...]  # every finding of the run, any rule

    @property
    def of_rule(self) -> list[Finding]:
        return [f for f in self.findings if f.code == self.case.rule]

    @property
    def input_error(self) -> Finding | None:
        """An IS001/IS002 finding: the file never reached the rule, so no verdict exists."""
        if self.case.rule in _INPUT_RULES:
            return None
        return next((f for f in self.findings if f.code in _INPUT_RULES), None)

    @property
    def agrees(self) -> bool:
        if self.input_error is not None:
            return False  # unknown is never a pass
        lines = {f.line for f in self.of_rule}
        if self.case.expect == "quiet":
            return not lines
        return self.case.line in lines if self.case.line is not None else bool(lines)

    def explain(self) -> str:
        c = self.case
        if self.input_error is not None:
            return f"{c.id}: input rejected ({self.input_error.code}: {self.input_error.message})"
        got = sorted({f.line for f in self.of_rule})
        want = c.expect + (f" at line {c.line}" if c.line is not None else "")
        return f"{c.id}: expected {c.rule} {want}, imagesmith: " + (
            f"fires at line(s) {got}" if got else "quiet"
        )


def _parse(folder: Path) -> CaseExpectation:
    path = folder / EXPECT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseError(f"{path}: {exc}") from None
    unknown = set(data) - _KEYS
    missing = {"upstream", "rule", "expect", "why"} - set(data)
    if unknown or missing:
        raise CaseError(f"{path}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
    if data["expect"] not in ("fire", "quiet"):
        raise CaseError(f"{path}: expect must be \"fire\" or \"quiet\", not {data['expect']!r}")
    line = data.get("line")
    if line is not None and (data["expect"] != "fire" or not isinstance(line, int) or line < 1):
        raise CaseError(f"{path}: `line` is a positive integer and only goes with expect = \"fire\"")
    if data.get("engine", "builds") not in ("fails", "builds"):
        raise CaseError(f"{path}: engine must be \"fails\" or \"builds\"")
    if not (folder / "Dockerfile").is_file():
        raise CaseError(f"{folder}: no Dockerfile")
    return CaseExpectation(
        folder=folder,
        upstream=data["upstream"],
        rule=data["rule"],
        expect=data["expect"],
        why=data["why"],
        line=line,
        differs_on_purpose=data.get("differs_on_purpose", ""),
        xfail_reason=data.get("xfail_reason", ""),
        engine=data.get("engine", ""),
    )


def load_cases(root: Path = CASES_DIR) -> list[CaseExpectation]:
    return [_parse(p.parent) for p in sorted(root.glob(f"*/*/{EXPECT_FILE}"))]


def copy_case(case: CaseExpectation, dest: Path) -> Path:
    """The case as a build folder `dest/dockertmp`, without expect.toml."""
    folder = dest / "dockertmp"
    shutil.copytree(case.folder, folder, ignore=shutil.ignore_patterns(EXPECT_FILE))
    for spec in folder.rglob(f"*{SYMLINK_SUFFIX}"):
        spec.with_name(spec.name.removesuffix(SYMLINK_SUFFIX)).symlink_to(
            spec.read_text(encoding="utf-8").strip()
        )
        spec.unlink()
    return folder


def judge(case: CaseExpectation, profile: Profile, workdir: Path | None = None) -> Verdict:
    """Lint the case as a build folder (CLI defaults, `--hadolint off`)."""
    from imagesmith.services.lint import LintOptions, lint_paths

    options = LintOptions(hadolint="off")
    if workdir is not None:
        report = lint_paths([copy_case(case, workdir)], profile, options)
    else:
        with tempfile.TemporaryDirectory(prefix="secondopinion-") as tmp:
            report = lint_paths([copy_case(case, Path(tmp))], profile, options)
    return Verdict(case, tuple(report.findings))
