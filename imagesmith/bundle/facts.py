"""Facts about a request that both `package` and `review` report: the base image and its
catalog ENV, the ENV the request changes, lint counts, compat per node group, installs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imagesmith.core.profile import Profile


def final_stage_env(parsed: Any) -> tuple[str, dict[str, str]]:
    """The final stage's root image and the ENV it sets (inherited from earlier stages too)."""
    if not parsed.stages:
        return "", {}
    final = parsed.stages[-1]
    root = final
    while root.base_stage is not None:
        root = parsed.stages[root.base_stage]
    return str(root.base), {**final.inherited_env, **final.env}


def base_and_env(parsed: Any, profile: Profile) -> tuple[dict[str, Any], dict[str, Any]]:
    """(base_image, env_changes) as stored in MANIFEST.json and shown by review.

    `$VAR`s the Dockerfile could not resolve (set by the base image) are expanded with
    the catalog ENV, so `PATH=/x:$PATH` shows the full new value."""
    base, env = final_stage_env(parsed)
    image = profile.find_image(base) if base else None
    catalog_env = dict(image.env) if image else {}
    added = {k: v for k, v in env.items() if k not in catalog_env}
    changed = {k: {"base": catalog_env[k], "request": v}
               for k, v in env.items() if k in catalog_env and catalog_env[k] != v}
    base_info = {"ref": base, "in_catalog": image is not None,
                 "catalog_name": image.name if image else None, "env": catalog_env}
    return base_info, {"added": added, "changed": changed}


def lint_digest(report: Any, root: Path) -> dict[str, Any]:
    """Counts by severity and the findings, with paths relative to the build folder."""
    counts = {"error": 0, "warning": 0, "info": 0, "style": 0}
    findings = []
    for f in sorted(report.findings, key=lambda f: f.sort_key()):
        severity = getattr(f.severity, "value", str(f.severity))
        counts[severity] = counts.get(severity, 0) + 1
        path = _relative(f.path, root)
        findings.append({"code": f.code, "severity": severity, "path": path, "line": f.line,
                         "message": f.message})
    digest: dict[str, Any] = {"counts": counts, "findings": findings}
    crashed = [{"path": _relative(r.path, root), "crash_log": r.crash_log}
               for r in getattr(report, "crashed", [])]
    if crashed:  # imagesmith failed on these files: their findings are not a verdict
        digest["crashed"] = crashed
    return digest


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).name


def compat_dict(dockerfile: Path, profile: Profile) -> dict[str, Any] | None:
    """Compat per node group."""
    from imagesmith.compat.api import compat_for_dockerfile

    data = compat_for_dockerfile(dockerfile, profile).to_dict()
    assert isinstance(data, dict)
    data["target"] = dockerfile.name  # not the (temp) folder it was read from
    return data


def install_facts(parsed: Any, context_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """What the Dockerfile installs, downloads and adds as archives."""
    from imagesmith.analysis.installs import archives, downloads, package_installs

    return {
        "packages": [{"manager": p.manager, "name": p.name, "version": p.version, "line": p.line}
                     for p in package_installs(parsed)],
        "downloads": [{"url": d.url, "line": d.line} for d in downloads(parsed)],
        "archives": [{"source": a.source, "dest": a.dest, "line": a.line, "extracted": a.extracted}
                     for a in archives(parsed, context_dir)],
    }


def install_lines(installs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """One readable line per install, for REQUEST.md and the text review."""
    lines = [f"{p['manager']}: {p['name']}" + (f" {p['version']}" if p["version"] else " (unpinned)")
             for p in installs["packages"]]
    lines += [f"download: {d['url']}" for d in installs["downloads"]]
    lines += [f"archive: {a['source']} -> {a['dest']}" + (" (unpacked by ADD)" if a["extracted"] else "")
              for a in installs["archives"]]
    return lines
