"""`imagesmith build`: lint, then build a folder (or a request bundle) through the engine.

    result = build_folder(Path("dockertmp"), tag=None, profile=profile)

The full log is written beside the build folder as `<folder>.build.log` (for a bundle,
`<bundle name>.build.log` beside the bundle), never inside the build context. A failed step
raises `BuildFailed` (a CheckFailed, exit 1) whose `.result.failure` names the Dockerfile
line, the command, the exit code, the last log lines and the lint findings that explain it.
Ctrl-C or SIGTERM removes the build's intermediate containers before unwinding.
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import CheckFailed, UserInputError
from imagesmith.progress import NullProgress, ProgressSink

if TYPE_CHECKING:
    from imagesmith.core.findings import Finding
    from imagesmith.core.profile import Profile
    from imagesmith.engine import Engine
    from imagesmith.model import Instruction, ParsedDockerfile
    from imagesmith.services.lint import LintReport

TAIL_LINES = 30
# Rules whose finding on the failed instruction usually *is* the cause of the failure.
EXPLAINING_RULES = ("IS105", "IS601")
BUILD_LABEL = "org.imagesmith.built-by"
_RUNNING_IN = re.compile(r"^ ---> Running in ([0-9a-f]{12,64})")
_LAYER_ID = re.compile(r"^ ---> ([0-9a-f]{12,64})\s*$")
_NONZERO = re.compile(r"returned a non-zero code: (\d+)|exit code: (\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ENGINE_NOISE = ("Removing intermediate container", " ---> ")
_REPO_CHARS = re.compile(r"[^a-z0-9._-]+")


@dataclass
class FailedStep:
    step: int | None
    total: int | None
    line: int | None
    end_line: int | None
    command: str
    exit_code: int | None
    message: str
    tail: list[str]
    explained_by: list[dict[str, Any]] = field(default_factory=list)

    def render_text(self) -> str:
        where = f"Dockerfile line {self.line}" if self.line else "the build"
        if self.line and self.end_line and self.end_line > self.line:
            where += f" (to line {self.end_line})"
        out = [f"build failed at {where}"
               + (f" (step {self.step}/{self.total})" if self.step else "") + ":",
               f"  command: {self.command}" if self.command else "",
               f"  exit code: {self.exit_code}" if self.exit_code is not None else "",
               f"  engine said: {self.message.strip()}"]
        if self.tail:
            out.append(f"  last {len(self.tail)} log lines:")
            out += [f"    | {line}" for line in self.tail]
        for f in self.explained_by:
            out.append(f"  likely cause: {f['code']} {f['name']} (line {f['line']}): {f['message']}")
            if f.get("help"):
                out.append(f"    fix: {f['help']}")
        return "\n".join(line for line in out if line)


@dataclass
class BuildResult:
    context: Path
    tag: str
    log_path: Path
    image_id: str | None = None
    steps: int = 0
    duration: float = 0.0
    pushed: str | None = None
    digest: str | None = None
    lint: dict[str, Any] | None = None
    lint_findings: list[dict[str, Any]] = field(default_factory=list)
    failure: FailedStep | None = None
    cached_steps: list[int] = field(default_factory=list)  # steps the builder took from cache
    builder: str = "legacy"  # the builder that ran it: "legacy" | "buildkit"
    review: dict[str, Any] | None = None  # a bundle's review verdict, reasons, and overridden
    from_steps: int = 0  # FROM steps (never cached: they name an image)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.image_id is not None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["context"] = str(self.context)
        out["log_path"] = str(self.log_path)
        out["ok"] = self.ok
        return out


@dataclass(frozen=True)
class BuildOptions:
    """What docker users reach for: `--no-cache`, `--pull`, `-f`, `--target`."""

    no_cache: bool = False
    pull: bool = False
    dockerfile: str | None = None  # relative to the folder; default the profile's name
    target: str | None = None  # the stage to build (`AS name`)
    builder: str | None = None  # "legacy" | "buildkit"; None: the profile's [build] builder
    override_review: bool = False  # build a bundle that review rejects (recorded in the log)


class BuildFailed(CheckFailed):
    """Lint errors stopped the build, or a build step failed; `.result` has the details."""

    def __init__(self, message: str, result: BuildResult):
        super().__init__(message)
        self.result = result


# -- names and paths ---------------------------------------------------------------------


def image_name(source: Path, profile: Profile) -> str:
    """A repository name for a folder or bundle: its own name, or its parent's for the
    cluster's generic folder name (`dockertmp`)."""
    name = source.name
    for suffix in (".tar.gz", ".tgz"):
        name = name.removesuffix(suffix)
    if name == profile.build.folder_name and source.resolve().parent.name:
        name = source.resolve().parent.name
    return _REPO_CHARS.sub("-", name.lower()).strip("-._") or "image"


def default_tag(source: Path, profile: Profile) -> str:
    """`<registry>/<image_name>:latest`."""
    return f"{profile.registry}/{image_name(source, profile)}:latest"


def log_path_for(source: Path) -> Path:
    """`<parent>/<folder>.build.log` (bundle: `<parent>/<bundle stem>.build.log`)."""
    source = source.resolve()
    name = source.name
    for suffix in (".tar.gz", ".tgz"):
        name = name.removesuffix(suffix)
    return source.parent / f"{name}.build.log"


def _is_bundle(path: Path) -> bool:
    if not path.is_file():
        return False
    from imagesmith.bundle.reader import is_bundle

    return is_bundle(path)


# -- the build ---------------------------------------------------------------------------


def build_folder(
    context: Path,
    *,
    tag: str | None,
    profile: Profile,
    network: str | None = None,
    build_args: dict[str, str] | None = None,
    lint: bool = True,
    push: bool = False,
    progress: ProgressSink | None = None,
    engine: Engine | None = None,
    options: BuildOptions | None = None,
) -> BuildResult:
    """Build `context` (a build folder or a request bundle). Raises BuildFailed (exit 1)."""
    options = options or BuildOptions()
    progress = progress or NullProgress()
    source = Path(context)
    if not source.exists():
        raise UserInputError("no such build folder or bundle", where=source,
                             hint="pass the folder that holds the Dockerfile")
    tag = tag or default_tag(source, profile)
    with ExitStack() as stack:
        folder = source
        extracted = None
        if _is_bundle(source):
            from imagesmith.bundle.reader import extracted_bundle

            progress.phase("extract", f"checking and extracting bundle {source.name}")
            extracted = stack.enter_context(extracted_bundle(source))
            folder = extracted.context_dir
        elif not source.is_dir():
            raise UserInputError("not a build folder or a request bundle (.tar.gz)", where=source)
        dockerfile = folder / (options.dockerfile or profile.build.dockerfile_name)
        if not dockerfile.resolve().is_relative_to(folder.resolve()):
            raise UserInputError("the Dockerfile must be inside the build folder", where=dockerfile,
                                 hint="give -f a file name relative to the folder")
        if not dockerfile.is_file():
            raise UserInputError(f"no file named {profile.build.dockerfile_name} in the build folder",
                                 where=folder, hint="the cluster needs exactly this name")
        result = BuildResult(context=source, tag=tag, log_path=log_path_for(source))
        if extracted is not None:
            _review_gate(source, extracted, profile, options, result, progress)
        report = None
        if lint:
            progress.phase("lint", f"linting {dockerfile}"
                           + (" with the admins' policy (pragmas off)" if folder != source else ""))
            report = _lint(folder, profile, admin=folder != source)
            result.lint = report.summary()
            if report.has_errors:
                from imagesmith.services.lint import finding_json

                result.lint_findings = [finding_json(f) for f in report.errors]
                raise BuildFailed(f"lint found {len(report.errors)} error(s); fix them or pass "
                                  "--no-lint to build anyway", result)
            if report.findings:
                lister = "review" if folder != source else "lint"
                progress.message(f"lint: {len(report.findings)} finding(s) below error level "
                                 f"(`imagesmith {lister} {source}` lists them)")
        if engine is None:
            from imagesmith.engine import Engine

            engine = stack.enter_context(Engine.connect())
        _run_build(engine, folder, dockerfile, result, profile, network, build_args or {},
                   progress, report, options)
        if push:
            _push(engine, result, profile, progress)
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _review_gate(bundle: Path, extracted: Any, profile: Profile, options: BuildOptions,
                 result: BuildResult, progress: ProgressSink) -> None:
    """A bundle is built under the admins' policy: what review rejects is not built, unless
    --override-review says so, which the build log records. It reviews the extracted copy the
    build reads (a bundle of a CUDA tarball is not checked and unpacked twice)."""
    from imagesmith.services.review import review_extracted

    progress.phase("review", f"reviewing {bundle.name} (the admins' policy)")
    report = review_extracted(bundle, extracted, profile)
    result.review = {"verdict": report.verdict, "reasons": report.reject + report.changes,
                     "overridden": False}
    if report.verdict != "reject":
        return
    if not options.override_review:
        raise BuildFailed(f"review rejects this bundle: {'; '.join(report.reject)}; "
                          "--override-review builds it anyway (the build log records it)", result)
    result.review["overridden"] = True
    progress.message(f"review rejects this bundle ({'; '.join(report.reject)}): built anyway "
                     "(--override-review)", "warning")


def _lint(folder: Path, profile: Profile, *, admin: bool) -> LintReport:
    """A bundle is a stranger's request: the admins' policy, the one review applies."""
    from imagesmith.services.lint import LintOptions, admin_policy, lint_paths

    return lint_paths([folder], profile, admin_policy() if admin else LintOptions())


def _run_build(engine: Engine, folder: Path, dockerfile: Path, result: BuildResult,
               profile: Profile, network: str | None, build_args: dict[str, str],
               progress: ProgressSink, report: LintReport | None, options: BuildOptions) -> None:
    from imagesmith import __version__
    from imagesmith.model import model_for

    parsed = model_for(dockerfile.read_text(encoding="utf-8", errors="replace"),
                       str(dockerfile), profile, context_dir=folder)
    network = network or profile.build.network
    start = time.monotonic()
    lines = _StepLines()
    current: Instruction | None = None
    step_no: int | None = None
    total: int | None = None
    progress.phase("build", f"building {result.tag} from {folder}")
    log = _BuildLog(result.log_path)
    if result.review and result.review["overridden"]:
        log.write(f"REVIEW VERDICT REJECT OVERRIDDEN by --override-review: "
                  f"{'; '.join(result.review['reasons'])}\n")
    previous = _image_of(engine, result.tag)
    bases = {i for s in parsed.stages if s.base_stage is None and (i := _image_of(engine, s.base))}
    since = time.time()
    events = None
    from imagesmith.engine.events import BuildEvent

    seen_steps = 0
    matched: set[int] = set()
    stage_totals: dict[str, int] = {}  # BuildKit: steps per stage, as each stage appears
    try:
        builder = options.builder or profile.build.builder
        result.builder = builder
        build = engine.buildkit_build if builder == "buildkit" else engine.build
        events = build(folder, tag=result.tag,
                              dockerfile=dockerfile.relative_to(folder).as_posix(),
                              nocache=options.no_cache, pull=options.pull, target=options.target,
                              network_mode="host" if network == "host" else None,
                              buildargs=build_args, labels={BUILD_LABEL: f"imagesmith {__version__}"})
        for event in events:
            if event.kind == "step" and builder == "buildkit":
                # BuildKit numbers steps per stage and names the instruction: map it by text
                seen_steps += 1
                stage_totals[event.stage or ""] = event.total or 0
                step_no, total = seen_steps, sum(stage_totals.values())
                current = _instruction_by_text(parsed, event.text, matched,
                                               _stage_index(parsed, event.stage, options.target))
                event = BuildEvent("step", f"Step {step_no} : {event.text}", step_no, total)
            elif event.kind == "step":
                step_no, total = event.step, event.total
                current = _instruction_for(parsed, event.step)
            if event.kind == "cached":
                if step_no is not None and not (current is not None and current.cmd == "FROM"):
                    result.cached_steps.append(step_no)
                continue
            if event.kind == "step":
                lines.new_step()
                log.write(event.text + "\n")
                text = event.text.split(" : ", 1)[-1]
                result.from_steps += text.upper().startswith("FROM ")
                progress.step(event.step or 0, event.total or 0, text,
                              current.line if current else None)
            elif event.kind == "log":
                text = _ANSI.sub("", event.text)
                if step_no is not None and "---> Using cache" in text:
                    result.cached_steps.append(step_no)
                log.write(text)
                shown = lines.feed(text)
                if shown:
                    progress.log("\n".join(shown) + "\n")
            elif event.kind == "error":
                log.write(f"ERROR: {event.text}\n")
                result.failure = _failure(parsed, current, step_no, total, event.text,
                                          event.error_detail, lines.tail(), folder, profile, report)
            elif event.kind == "done":
                result.image_id = event.image_id
        result.steps = seen_steps if builder == "buildkit" else (total or 0)
        if result.failure is not None:
            _undo_build(engine, lines, since, result.tag, previous, bases)
        log.finish()
    except BaseException as exc:
        # Ctrl-C / SIGTERM (KeyboardInterrupt), a lost connection or a log that cannot be
        # written: closing the stream makes the daemon cancel the build; then remove what it
        # made (containers, step images, the tag) ourselves.
        if events is not None:
            events.close()
        log_failed = isinstance(exc, BuildLogError)
        if not log_failed:
            log.write_quietly("INTERRUPTED\n")
        _undo_build(engine, lines, since, result.tag, previous, bases)
        if log_failed:
            log.discard()
        else:
            log.finish_quietly()
        raise
    finally:
        result.duration = round(time.monotonic() - start, 3)
    if result.failure is not None:
        raise BuildFailed(result.failure.render_text(), result)
    if result.image_id is None:
        result.image_id = engine.inspect_image(result.tag)["Id"]


class _StepLines:
    """Whole lines of the current step's output (chunks from the engine split lines
    anywhere), plus the container and layer ids the builder announces."""

    def __init__(self) -> None:
        self.partial = ""
        self.lines: deque[str] = deque(maxlen=TAIL_LINES)
        self.running: list[str] = []
        self.layers: set[str] = set()
        self.created: list[str] = []  # layers committed by a step that ran a container
        self._ran = False

    def new_step(self) -> None:
        self.partial = ""
        self.lines.clear()
        self._ran = False

    def feed(self, text: str) -> list[str]:
        """Take a chunk; return the step's new whole lines (engine bookkeeping left out)."""
        *complete, self.partial = (self.partial + text).split("\n")
        new = []
        for line in complete:
            if m := _RUNNING_IN.match(line):
                self.running.append(m.group(1))
                self._ran = True
            elif m := _LAYER_ID.match(line):
                self.layers.add(m.group(1))
                if self._ran:
                    self.created.append(m.group(1))
            elif line.strip() and not line.startswith(_ENGINE_NOISE):
                new.append(line.rstrip())
        self.lines.extend(new)
        return new

    def tail(self) -> list[str]:
        return [*self.lines, self.partial.rstrip()][-TAIL_LINES:] if self.partial.strip() \
            else list(self.lines)


class BuildLogError(UserInputError):
    """The build log cannot be written (a full disk, a read-only folder); the build is undone."""


class _BuildLog:
    """`<log>.part`, line-buffered so that a full disk shows at the write that hit it, and
    renamed to the log only when complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        try:
            self._fh = open(self.part, "w", encoding="utf-8", buffering=1)
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> BuildLogError:
        return BuildLogError(f"cannot write the build log: {exc.strerror or exc}", where=self.part,
                             hint="free space there or make the folder writable; the build "
                             "was stopped and nothing of it kept")

    def write(self, text: str) -> None:
        try:
            self._fh.write(text)
        except OSError as exc:
            raise self._error(exc) from None

    def write_quietly(self, text: str) -> None:
        try:
            self._fh.write(text)
        except OSError:
            pass

    def finish(self) -> None:
        try:
            self._fh.close()
            os.replace(self.part, self.path)
        except OSError as exc:
            raise self._error(exc) from None

    def finish_quietly(self) -> None:
        try:
            self.finish()
        except BuildLogError:
            self.discard()

    def discard(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass  # the unwritten rest is what we are dropping
        self.part.unlink(missing_ok=True)


def _stage_index(parsed: ParsedDockerfile, stage: str | None, target: str | None) -> int | None:
    """The stage a BuildKit step belongs to: `[name k/n]` names it (`stage-N` when unnamed);
    no name is the stage being built (--target, else the last)."""
    if not parsed.stages:
        return None
    if stage:
        m = re.fullmatch(r"stage-(\d+)", stage)
        if m and int(m.group(1)) < len(parsed.stages):
            return int(m.group(1))
        found = [s.index for s in parsed.stages if s.name == stage.lower()]
        return found[0] if found else None
    if target:
        found = [s.index for s in parsed.stages if s.name == target.lower()]
        if found:
            return found[0]
    return parsed.stages[-1].index


def _instruction_by_text(parsed: ParsedDockerfile, text: str, matched: set[int],
                         stage: int | None = None) -> Instruction | None:
    """The instruction a BuildKit step names (`RUN pip install tqdm`) in its stage, the first
    not yet matched: the same text, else the same keyword (BuildKit writes FROM's image
    normalised)."""
    words = " ".join(text.split())
    keyword = words.split(" ", 1)[0].upper()
    candidates = [(i, ins) for i, ins in enumerate(parsed.instructions) if i not in matched
                  and (stage is None or ins.stage == stage)]
    for pick in ([c for c in candidates if " ".join(c[1].original.split()) == words],
                 [c for c in candidates if c[1].cmd == keyword]):
        if pick:
            matched.add(pick[0][0])
            return pick[0][1]
    return None


def _instruction_for(parsed: ParsedDockerfile, step: int | None) -> Instruction | None:
    """Step N of the legacy builder is the Nth instruction; steps past the end are the
    LABEL the engine appends for our build labels."""
    if step is None or not 1 <= step <= len(parsed.instructions):
        return None
    return parsed.instructions[step - 1]


def _failure(parsed: ParsedDockerfile, ins: Instruction | None, step: int | None,
             total: int | None, message: str, detail: dict[str, Any] | None, tail: list[str],
             folder: Path, profile: Profile, report: LintReport | None) -> FailedStep:
    code = (detail or {}).get("code")
    m = _NONZERO.search(message)
    exit_code = (int(m.group(1) or m.group(2)) if m
                 else (int(code) if isinstance(code, int) and code else None))
    command = " ".join(ins.original.split()) if ins else ""
    return FailedStep(step, total, ins.line if ins else None, ins.end_line if ins else None,
                      command, exit_code, message, tail,
                      _explaining_findings(ins, folder, profile, report) if ins else [])


def _explaining_findings(ins: Instruction, folder: Path, profile: Profile,
                         report: LintReport | None) -> list[dict[str, Any]]:
    """Lint findings (warning or worse) on the failed instruction, IS105/IS601 first."""
    from imagesmith.core.errors import ImagesmithError
    from imagesmith.core.findings import Severity
    from imagesmith.services.lint import finding_json

    if report is None:
        try:
            report = _lint(folder, profile, admin=False)
        except ImagesmithError:
            return []
    span = range(ins.line, ins.end_line + 1)
    hits = [f for f in report.findings
            if f.severity.rank >= Severity.WARNING.rank and any(n in span for n in _lines_of(f))]
    hits.sort(key=lambda f: (f.code not in EXPLAINING_RULES, -f.severity.rank, f.line))
    return [finding_json(f) for f in hits]


def _lines_of(finding: Finding) -> set[int]:
    """The lines a finding is about: its own span and line numbers in its data (IS105 points
    at the ADD and names the later lines that use the archive in `used_on`)."""
    lines = set(range(finding.line, (finding.end_line or finding.line) + 1))
    for value in finding.data.values():
        items = value if isinstance(value, (list, tuple)) else [value]
        lines.update(v for v in items if isinstance(v, int) and not isinstance(v, bool))
    return lines


def _image_of(engine: Engine, ref: str) -> str | None:
    """The image id `ref` names now, or None when it names none."""
    from imagesmith.core.errors import EngineNotFound

    try:
        return str(engine.inspect_image(ref)["Id"])
    except EngineNotFound:
        return None


def _undo_build(engine: Engine, lines: _StepLines, since: float, tag: str,
                previous: str | None, bases: set[str]) -> None:
    """Remove what an unfinished build made: its containers, the tag if it moved (pointed
    back at `previous`), and the step images committed from its containers. Best effort: an
    engine that went away leaves them, and the error that stopped the build is the one seen."""
    from imagesmith.core.errors import ImagesmithError

    try:
        containers = _remove_build_containers(engine, lines.running,
                                              lines.layers | set(lines.created), bases, since)
        found = engine.images_committed_from({*lines.running, *containers}, since)
        now = _image_of(engine, tag)
        if now is not None and now != previous:
            if previous is not None:
                engine.tag(previous, tag)
            else:
                engine.drop_tag(tag)
            found.append(now)
        engine.remove_step_images([*found, *reversed(lines.created)])
    except ImagesmithError:
        pass


def _remove_build_containers(engine: Engine, running: list[str], images: set[str],
                             bases: set[str], since: float, wait: float = 20.0,
                             quiet: float = 1.0) -> set[str]:
    """Remove containers of this build: the ones it said it runs, and any created from the
    layers it produced (a step that started after we stopped reading). Returns their ids."""
    # The daemon removes the step it was in itself (forcerm) a moment after the connection
    # closes, so wait until nothing of the build is seen for `quiet` s. Containers made from a
    # base image since the build began may be another build's: waited for, never removed.
    removed: set[str] = set()
    base_ids = {b.removeprefix("sha256:") for b in bases}

    def scan() -> tuple[list[str], bool]:
        found, pending = [], False
        for c in engine.api.containers(all=True):
            cid, image = c["Id"], c.get("ImageID", "").removeprefix("sha256:")
            if any(cid.startswith(r) for r in running) or any(image.startswith(i) for i in images):
                found.append(cid)
            elif image in base_ids and c.get("Created", 0) >= int(since) - 1:
                pending = True
        return found, pending

    deadline = time.monotonic() + wait
    last_seen = time.monotonic()
    while True:
        left, pending = scan()
        now = time.monotonic()
        if left or pending:
            last_seen = now
        if now > deadline or now - last_seen >= quiet:
            return removed
        removed.update(left)
        for cid in left:
            engine.remove_container(cid)
        time.sleep(0.3)


def push_image(engine: Engine, result: BuildResult, profile: Profile, progress: ProgressSink) -> None:
    """Push a built image to the profile's registry (after `build --verify` passed)."""
    _push(engine, result, profile, progress)


def _push(engine: Engine, result: BuildResult, profile: Profile, progress: ProgressSink) -> None:
    ref = result.tag
    if not ref.startswith(profile.registry + "/"):
        ref = f"{profile.registry}/{ref.rsplit('/', 1)[-1]}"
        engine.tag(result.tag, ref)
    progress.phase("push", f"pushing {ref}")
    for event in engine.push(ref):
        if event.kind == "error":
            raise CheckFailed(f"push of {ref} failed: {event.text}",
                              hint=f"is the registry {profile.registry} reachable and insecure-allowed?")
        if event.kind == "progress" and event.total:
            progress.transfer("push", event.layer or "", event.current or 0, event.total)
        elif event.kind == "done":
            result.digest = event.digest
        elif event.text:
            progress.log(f"{event.layer + ': ' if event.layer else ''}{event.text}\n")
    result.pushed = ref

