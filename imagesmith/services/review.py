"""`imagesmith review`: what an admin needs to judge a request bundle, without trusting it.

The bundle is checked member by member and extracted into a private temp folder (see
imagesmith.bundle.reader); then everything is recomputed with the admin's profile, lint
pragmas disabled. Nothing from the bundle is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import imagesmith
from imagesmith.bundle.display import for_page, for_terminal, map_strings, without_surrogates
from imagesmith.bundle.facts import base_and_env, compat_dict, install_facts, lint_digest
from imagesmith.bundle.reader import ReadLimits, extracted_bundle
from imagesmith.core.errors import DockerfileParseError
from imagesmith.core.profile import Profile

Verdict = Literal["accept", "needs changes", "reject"]
EXIT_CODES = {"accept": 0, "needs changes": 1, "reject": 1}


@dataclass
class ReviewReport:
    bundle: str
    profile: dict[str, str]
    request: dict[str, Any]
    files: list[dict[str, Any]]
    claimed: dict[str, Any]  # what the requester's side recorded: tool, profile, forced, lint
    base_image: dict[str, Any] = field(default_factory=dict)
    env_changes: dict[str, Any] = field(default_factory=lambda: {"added": {}, "changed": {}})
    lint: dict[str, Any] = field(default_factory=lambda: {"counts": {}, "findings": []})
    compat: dict[str, Any] | None = None
    installs: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"packages": [], "downloads": [], "archives": []})
    reject: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    request_text: str = ""
    smoke_tests: list[dict[str, Any]] = field(default_factory=list)  # the request's [[tests]]
    dockerfile: list[str] = field(default_factory=list)  # its lines, shown with findings inline
    pragmas: list[dict[str, Any]] = field(default_factory=list)  # the requester's, disabled here
    lang: str = "en"

    @property
    def verdict(self) -> Verdict:
        if self.reject:
            return "reject"
        return "needs changes" if self.changes else "accept"

    @property
    def exit_code(self) -> int:
        """The verdict's code; 3 when imagesmith failed on a file (after the report is out)."""
        return 3 if self.lint.get("crashed") else EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle, "verdict": self.verdict,
            "reasons": self.reject + self.changes, "notes": self.notes,
            "tool": {"name": "imagesmith", "version": imagesmith.__version__},
            "profile": self.profile, "request": self.request, "files": self.files,
            "claimed": self.claimed, "base_image": self.base_image,
            "env_changes": self.env_changes, "lint": self.lint, "compat": self.compat,
            "installs": self.installs, "request_text": self.request_text,
            "smoke_tests": self.smoke_tests, "dockerfile": self.dockerfile,
            "pragmas": self.pragmas, "lang": self.lang,
        }


def _judge(report: ReviewReport) -> None:
    base = report.base_image
    if base and not base.get("in_catalog"):
        report.reject.append(f"base image {base.get('ref') or '(none)'} is not a cluster image "
                             "in the profile's catalog")
    for crash in report.lint.get("crashed", []):
        report.changes.append(f"imagesmith failed while linting {crash['path']} (crash log: "
                              f"{crash['crash_log']}): check that file by hand")
    errors = [f for f in report.lint["findings"] if f["severity"] == "error" and f["code"] != "IS003"]
    if errors:
        codes = ", ".join(sorted({f["code"] for f in errors}))
        report.changes.append(f"{len(errors)} lint error(s) ({codes}), pragmas disabled")
    groups = (report.compat or {}).get("groups", [])
    failing = [g["name"] for g in groups if g.get("verdict") == "fails"]
    if groups and len(failing) == len(groups):
        report.reject.append("runs on no node group: " + ", ".join(failing))
    elif failing:
        report.changes.append("fails on node group(s) " + ", ".join(failing))
    unknown = [g for g in groups if g.get("verdict") == "unknown"]
    if unknown:
        why = (unknown[0].get("reasons") or ["?"])[0]
        report.changes.append(
            "compat is unknown on node group(s) " + ", ".join(g["name"] for g in unknown)
            + f": {why}"
        )
    if report.compat is None:
        report.notes.append("compat per node group not available in this imagesmith")
    if report.claimed.get("forced"):
        report.notes.append("the requester packaged it with --force despite lint errors")
    claimed = (report.claimed.get("lint") or {}).get("counts", {}).get("error")
    if isinstance(claimed, int) and claimed != len(errors):
        report.notes.append(f"the bundle claimed {claimed} lint error(s); re-lint finds {len(errors)}")
    warnings = report.lint["counts"].get("warning", 0)
    if warnings:
        report.notes.append(f"{warnings} lint warning(s)")
    unpinned = [p["name"] for p in report.installs["packages"] if not p["version"]]
    if unpinned:
        report.notes.append("unpinned packages: " + ", ".join(unpinned))


def _pragmas(parsed: Any, author: str) -> list[dict[str, Any]]:
    """The suppression comments the requester wrote; review lints with them off."""
    from imagesmith.parse.pragmas import find_pragmas

    return [{"line": p.line, "dialect": p.dialect, "kind": p.kind, "codes": list(p.codes),
             "reason": p.reason, "author": author, "text": parsed.lines[p.line - 1].strip()
             if 0 < p.line <= len(parsed.lines) else ""} for p in find_pragmas(parsed.comments)]


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def language_of(request: dict[str, Any]) -> str:
    """The page's language when --lang is not given: the request's own `lang` (zh/en), else
    zh when the requester wrote Chinese in the request fields, else en."""
    lang = str(request.get("lang") or "").lower()
    if lang in ("zh", "en"):
        return lang
    return "zh" if any(_CJK.search(str(v or "")) for v in request.values()) else "en"


def review_bundle(path: Path, profile: Profile, limits: ReadLimits | None = None,
                  lang: str | None = None) -> ReviewReport:
    with extracted_bundle(path, limits=limits) as bundle:
        return review_extracted(path, bundle, profile, lang)


def review_extracted(path: Path, bundle: Any, profile: Profile,
                     lang: str | None = None) -> ReviewReport:
    """The review of a bundle already checked and extracted (`build BUNDLE` reviews the copy it
    builds from instead of extracting the bundle a second time)."""
    from imagesmith.model import model_for
    from imagesmith.services.lint import admin_policy, lint_paths

    manifest = bundle.manifest
    report = ReviewReport(
        bundle=str(path),
        profile={"name": profile.name, "version": profile.version},
        request=dict(manifest.get("request") or {}),
        files=[f for f in manifest["files"] if f.get("type", "file") == "file"],
        claimed={k: manifest.get(k) for k in ("tool", "profile", "forced", "lint")},
        request_text=bundle.request_text,
        smoke_tests=list(manifest.get("smoke_tests") or []),
    )
    report.lang = lang or language_of(report.request)
    context = bundle.context_dir
    dockerfile = context / "Dockerfile"
    report.lint = lint_digest(lint_paths([context], profile, admin_policy()), context)
    try:
        text = dockerfile.read_text(encoding="utf-8")
        report.dockerfile = text.splitlines()
        parsed = model_for(text, "Dockerfile", profile, context_dir=context)
    except (DockerfileParseError, UnicodeDecodeError) as exc:
        report.reject.append(f"the Dockerfile does not parse: {exc}")
        return report
    report.pragmas = _pragmas(parsed, report.request.get("name") or "the requester")
    report.base_image, report.env_changes = base_and_env(parsed, profile)
    report.installs = install_facts(parsed, context)
    report.compat = compat_dict(dockerfile, profile)
    _judge(report)
    return report


def render_text(data: dict[str, Any]) -> str:
    """The review as plain text for a terminal or a mail. Every value is shown on one line
    with hidden characters escaped, so bundle text cannot start a line of its own."""
    data = map_strings(data, for_terminal)
    r = data["request"]
    base = data["base_image"]
    profile = f"{data['profile']['name']} {data['profile']['version']}"
    lines = [
        f"review of {data['bundle']} (profile {profile})",
        (f"  requester: {r.get('name', '?')} ({r.get('student_id', '?')}), supervisor "
         f"{r.get('supervisor', '?')}, cluster {r.get('cluster', '?')}"),
        f"  base image: {base.get('ref') or '?'}"
        + ("" if base.get("in_catalog") else " (NOT in the catalog)"),
        "  files: " + ", ".join(f"{f['path']} ({f['size']} B)" for f in data["files"]),
    ]
    inst = data["installs"]
    if inst["packages"] or inst["downloads"] or inst["archives"]:
        lines.append("installs:")
        lines += [f"  {p['manager']}: {p['name']} {p['version'] or '(unpinned)'}  (line {p['line']})"
                  for p in inst["packages"]]
        lines += [f"  download: {d['url']}  (line {d['line']})" for d in inst["downloads"]]
        lines += [f"  archive: {a['source']} -> {a['dest']}"
                  + (" (unpacked by ADD)" if a["extracted"] else "") + f"  (line {a['line']})"
                  for a in inst["archives"]]
    env = data["env_changes"]
    if env["added"] or env["changed"]:
        lines.append("ENV vs the base image:")
        lines += [f"  ~ {k}: {v['base']} -> {v['request']}" for k, v in env["changed"].items()]
        lines += [f"  + {k}={v}" for k, v in env["added"].items()]
    if data["compat"]:
        lines.append("compat per node group:")
        lines += [f"  {g['name']} ({g.get('gpu', '')}): {g['verdict']}"
                  + (f" - {'; '.join(g['reasons'])}" if g.get("reasons") else "")
                  for g in data["compat"].get("groups", [])]
    if data.get("dockerfile"):
        lines.append("Dockerfile (findings inline, pragmas disabled):")
        by_line: dict[int, list[dict[str, Any]]] = {}
        for f in data["lint"]["findings"]:
            if f["path"] in ("Dockerfile", "dockertmp/Dockerfile"):
                by_line.setdefault(f["line"], []).append(f)
        for no, text in enumerate(data["dockerfile"], start=1):
            lines.append(f"  {no:>4} | {text}")
            lines += [f"       ^ {f['severity']} {f['code']}: {f['message']}" for f in by_line.get(no, [])]
    if data.get("pragmas"):
        lines.append("pragmas in the request (disabled for this review):")
        lines += [f"  line {p['line']}: {p['text']} (by {p['author']})" for p in data["pragmas"]]
    tests = data.get("smoke_tests") or []
    lines.append(f"smoke tests carried ({len(tests)}; `imagesmith verify IMAGE --tests BUNDLE` runs them):"
                 if tests else "smoke tests: none carried (the request has no [[tests]])")
    lines += [f"  {t['name']}: `{t['run']}` -> exit {t.get('expect_exit', 0)}"
              + (f", stdout contains {t['expect_stdout']!r}" if t.get("expect_stdout") else "")
              for t in tests]
    findings = data["lint"]["findings"]
    if findings:
        lines.append(f"lint (pragmas disabled): {len(findings)} finding(s)")
        lines += [f"  {f['path']}:{f['line']} {f['severity']} {f['code']}: {f['message']}"
                  for f in findings]
    lines.append(f"verdict: {data['verdict'].upper()}")
    lines += [f"  - {reason}" for reason in data["reasons"]]
    lines += [f"  note: {note}" for note in data["notes"]]
    return "\n".join(lines) + "\n"


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """The report for `--format json`: lone surrogates shown as escapes, so it is UTF-8."""
    safe = map_strings(data, without_surrogates)
    assert isinstance(safe, dict)
    return safe


def render_html(data: dict[str, Any], dest: Path) -> None:
    """The review as one self-contained page, written atomically."""
    from imagesmith.core.atomic import atomic_write
    from imagesmith.render.env import render

    page = render("review.html.j2", {"r": map_strings(data, for_page)})
    with atomic_write(dest) as fh:
        fh.write(page.encode("utf-8"))
