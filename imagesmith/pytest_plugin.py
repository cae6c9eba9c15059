"""pytest plugin (entry point `pytest11`): test your own images in CI.

    def test_tools(imagesmith_image):
        image = imagesmith_image("dockertmp")          # built once per test session
        result = image.run("python -c 'import tqdm'")  # as the cluster's job uid
        assert result.exit_code == 0, result.stderr
        assert b"Asia/Shanghai" in image.read_file("/etc/timezone")

Fixtures: `imagesmith_profile`, `imagesmith_engine` (session; removes every container it
made) and `imagesmith_image` (factory). Options: `--imagesmith-profile NAME|FILE`,
`--imagesmith-keep-images`. Docker is imported only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from imagesmith.core.profile import Profile
    from imagesmith.engine import Engine, RunResult
    from imagesmith.services.build import BuildResult
    from imagesmith.verify.model import VerifyReport


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("imagesmith", "imagesmith image fixtures")
    group.addoption("--imagesmith-profile", default=None,
                    help="cluster profile for imagesmith fixtures (name or TOML file)")
    group.addoption("--imagesmith-keep-images", action="store_true", default=False,
                    help="keep images built by imagesmith_image after the session")


@dataclass
class BuiltImage:
    """An image built by `imagesmith_image`, with helpers that run it as the cluster does."""

    ref: str
    context: Path
    build: BuildResult
    engine: Engine = field(repr=False)
    profile: Profile = field(repr=False)

    @property
    def image_id(self) -> str:
        return self.build.image_id or ""

    def run(self, command: str | Sequence[str], *, user: int | str | None = None,
            network: bool = False, timeout: float = 120.0,
            environment: dict[str, str] | None = None) -> RunResult:
        """Run a command (a string goes through `sh -c`) as the job uid, without network, on
        a read-only root filesystem with a /tmp tmpfs: the way `startdocker` runs jobs."""
        argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
        return self.engine.run(self.ref, argv[1:], entrypoint=argv[:1],
                               user=str(self.profile.jobs.job_uid if user is None else user),
                               network_mode="host" if network else "none", read_only=True,
                               environment=environment, timeout=timeout, role="pytest")

    def read_file(self, path: str) -> bytes | None:
        """A file's bytes from the image (None when missing), without running anything."""
        cid = self.engine.create(self.ref, ["true"], role="pytest")
        try:
            return self.engine.read_file(cid, path)
        finally:
            self.engine.remove_container(cid)

    def verify(self, **kwargs: object) -> VerifyReport:
        """`imagesmith verify` on this image; smoke tests from the build folder by default."""
        from imagesmith.services.verify import verify_image

        from imagesmith.core.config import find_project_config

        found = find_project_config(self.context)
        if "tests_from" not in kwargs and found is not None and found.data.get("tests"):
            kwargs["tests_from"] = found.path
        return verify_image(self.engine, self.ref, self.profile, **kwargs)  # type: ignore[arg-type]


def _build_folder(path: Path, caller: Path, rootdir: Path) -> Path:
    """A relative folder is looked for beside the test file, then at the rootdir, then in the
    current folder: a suite runs the same from `tests/` as from the project root."""
    if path.is_absolute():
        candidates = [path]
    else:
        candidates = list(dict.fromkeys([caller / path, rootdir / path, Path.cwd() / path]))
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    pytest.fail(f"imagesmith_image({str(path)!r}): no such build folder; looked at "
                + ", ".join(str(c) for c in candidates), pytrace=False)


def _build_failure(folder: Path, exc: Exception) -> str:
    result = getattr(exc, "result", None)
    findings = getattr(result, "lint_findings", None) or []
    what = (f"lint found {len(findings)} error(s)" if findings
            else str(getattr(exc, "message", exc)))
    lines = [f"imagesmith_image({str(folder)!r}): {what}"]
    for f in findings:
        lines.append(f"  {f['code']} {f['severity']} line {f['line']}: {f['message']}")
    failure = getattr(result, "failure", None)
    if failure is not None:
        lines.append(f"  build log: {result.log_path}")  # type: ignore[union-attr]
    if findings:
        lines.append("  (fix them, or build anyway with imagesmith_image(..., lint=False))")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def imagesmith_profile(pytestconfig: pytest.Config) -> Profile:
    from imagesmith.core.profile import select_profile

    return select_profile(pytestconfig.getoption("imagesmith_profile"), Path(pytestconfig.rootpath))


@pytest.fixture(scope="session")
def imagesmith_engine() -> Iterator[Engine]:
    from imagesmith.engine import engine_session

    with engine_session() as engine:
        yield engine


@pytest.fixture(scope="session")
def imagesmith_image(imagesmith_engine: Engine, imagesmith_profile: Profile,
                     pytestconfig: pytest.Config) -> Iterator[Callable[..., BuiltImage]]:
    """`imagesmith_image(path, build_args=None, lint=True)`: build once per session, cached by
    folder and build args. Images are tagged `imagesmith-pytest/<folder>:<session>` and
    removed at the end of the session unless --imagesmith-keep-images."""
    import sys

    from imagesmith.services.build import BuildFailed, build_folder, image_name

    built: dict[tuple[Path, tuple[tuple[str, str], ...]], BuiltImage] = {}

    def factory(path: str | Path, *, build_args: dict[str, str] | None = None,
                lint: bool = True, tag: str | None = None) -> BuiltImage:
        caller = Path(sys._getframe(1).f_code.co_filename).parent
        folder = _build_folder(Path(path), caller, Path(pytestconfig.rootpath))
        key = (folder, tuple(sorted((build_args or {}).items())))
        if key not in built:
            name = image_name(folder, imagesmith_profile)
            ref = tag or f"imagesmith-pytest/{name}:{imagesmith_engine.session_id}-{len(built)}"
            failure = None
            try:
                result = build_folder(folder, tag=ref, profile=imagesmith_profile,
                                      build_args=build_args, lint=lint, engine=imagesmith_engine)
            except BuildFailed as exc:
                failure = _build_failure(folder, exc)
            if failure is not None:  # outside the except: no chained traceback in the report
                pytest.fail(failure, pytrace=False)
            built[key] = BuiltImage(ref, folder, result, imagesmith_engine, imagesmith_profile)
        return built[key]

    yield factory
    if not pytestconfig.getoption("imagesmith_keep_images"):
        for image in built.values():
            imagesmith_engine.remove_image(image.ref, force=True)

