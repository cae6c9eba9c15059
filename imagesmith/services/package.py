"""`imagesmith package`: lint a build folder and write the request bundle for the admins."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import imagesmith
from imagesmith.bundle.collect import Collected, collect_context, copy_sources
from imagesmith.bundle.facts import (
    base_and_env,
    compat_dict,
    install_facts,
    install_lines,
    lint_digest,
)
from imagesmith.bundle.request import Ask, complete_request_meta, load_request_meta
from imagesmith.bundle.sizes import human_bytes
from imagesmith.bundle.writer import write_bundle
from imagesmith.core.errors import CheckFailed, InternalError, UserInputError
from imagesmith.core.profile import Profile

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.progress import ProgressSink


SHOW_PROGRESS_FROM = 64 << 20  # smaller contexts are written before a bar would matter


@dataclass
class PackageResult:
    path: Path
    size: int
    manifest: dict[str, Any]
    collected: Collected
    forced: bool


def default_output(folder: Path) -> Path:
    folder = folder.resolve()
    return folder.parent / f"{folder.name}-request.tar.gz"


class _LintJob:
    """Lint on a second thread while the context streams into the bundle (lint is mostly
    imports and Python, the writer mostly zlib/hashlib/IO, which release the GIL)."""

    def __init__(self, folder: Path, profile: Profile, force: bool) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from imagesmith.services.lint import LintOptions, lint_paths

        self.folder, self.force = folder, force
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-lint")
        self._future = self._pool.submit(
            lambda: lint_digest(lint_paths([folder], profile, LintOptions()), folder))
        self._pool.shutdown(wait=False)

    def digest(self) -> dict[str, Any]:
        digest = self._future.result()
        crashed = digest.get("crashed")
        if crashed and not self.force:
            raise InternalError(
                f"imagesmith failed while linting {crashed[0]['path']} (crash log: "
                f"{crashed[0]['crash_log']}); nothing was packaged", where=self.folder,
                hint="a bug in imagesmith, not in the request: report it with the crash log; "
                     "--force packages anyway and the bundle records the failure")
        if digest["counts"]["error"] and not self.force:
            errors = [f for f in digest["findings"] if f["severity"] == "error"]
            first = errors[0]
            raise CheckFailed(
                f"lint found {len(errors)} error(s), first {first['code']} at {first['path']}:"
                f"{first['line']}: {first['message']}", where=self.folder,
                hint="fix them (imagesmith lint shows all), or --force to package anyway; "
                     "the bundle then records that it was forced")
        return digest

    def refuse_early(self) -> None:
        """Between chunks: stop writing as soon as lint has refused."""
        if self._future.done():
            self.digest()


def _smoke_tests(folder: Path) -> list[Any]:
    """The folder's own [[tests]] (its imagesmith.toml, not one above it): they travel in the
    manifest, so review lists them and `verify --tests BUNDLE` runs them."""
    from imagesmith.core.config import read_config_file
    from imagesmith.core.smoke_tests import smoke_tests_from
    from imagesmith.core.typed_load import LoadError

    for name in ("imagesmith.toml", ".imagesmith.toml"):
        path = folder / name
        if path.is_file():
            found = read_config_file(path)
            items = (found.data if found else {}).get("tests", [])
            if not isinstance(items, list):
                raise UserInputError("`tests` must be an array of tables ([[tests]])", where=path)
            try:
                return list(smoke_tests_from(items))
            except LoadError as exc:
                raise UserInputError(exc.message, where=f"{path}: {exc.path}") from None
    return []


def package_folder(folder: Path, profile: Profile, *, out: Path | None = None,
                   meta_file: Path | None = None, force: bool = False, ask: Ask | None = None,
                   level: int | None = None, progress: ProgressSink | None = None
                   ) -> PackageResult:
    from imagesmith.model import model_for
    from imagesmith.render.env import render

    dockerfile = folder / profile.build.dockerfile_name
    if not dockerfile.is_file():
        raise UserInputError(f"no {profile.build.dockerfile_name} in the folder", where=folder,
                             hint="the file must be named exactly 'Dockerfile' (capital D)")
    target = (out or default_output(folder)).resolve()
    if target.is_relative_to(folder.resolve()):
        raise UserInputError("the bundle must not be written inside the folder it packages",
                             where=target, hint="give -o a path outside the folder")
    if level is not None and not 0 <= level <= 9:
        raise UserInputError(f"compression level {level} is not 0-9")

    lint = _LintJob(folder, profile, force)
    meta = load_request_meta(meta_file, folder)
    if meta.missing():
        lint.digest()  # refuse before asking questions
    meta = complete_request_meta(meta, ask)

    parsed = model_for(dockerfile.read_text(encoding="utf-8"), str(dockerfile), profile,
                       context_dir=folder)
    collected = collect_context(folder, copy_sources(parsed), profile.build.dockerfile_name)
    base_image, env_changes = base_and_env(parsed, profile)
    installs = install_facts(parsed, folder)
    fields: dict[str, Any] = {
        "tool": {"name": "imagesmith", "version": imagesmith.__version__},
        "profile": {"name": profile.name, "version": profile.version},
        "request": meta.to_dict(),
        "base_image": base_image,
        "env_changes": env_changes,
        "compat": compat_dict(dockerfile, profile),
        "installs": installs,
        "left_out": collected.left_out,
        "ignored": collected.ignored,
        "smoke_tests": [t.to_dict() for t in _smoke_tests(folder)],
    }

    def tail() -> tuple[str, dict[str, Any]]:
        fields["lint"] = lint.digest()
        fields["forced"] = bool(force and fields["lint"]["counts"]["error"])
        request_md = render("request.md.j2", {
            **fields, "request": asdict(meta), "installs": install_lines(installs),
            "files": [{"rel": f.rel, "size_text": human_bytes(f.size)} for f in collected.files],
        })
        return request_md, fields

    if collected.total_bytes < SHOW_PROGRESS_FROM:
        progress = None
    result = write_bundle(target, collected.files, tail, level=level, progress=progress,
                          check=lint.refuse_early)
    if progress is not None:
        progress.finish(True)
    return PackageResult(result.path, result.size, result.manifest, collected, fields["forced"])
