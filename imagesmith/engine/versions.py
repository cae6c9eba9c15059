"""Versions of the docker SDK and of the engines this process talked to (for crash logs)."""

from __future__ import annotations

from typing import Any, Mapping

# url -> "20.10.24 (API 1.41)", filled by every successful connect of this process.
_ENGINES: dict[str, str] = {}


def record_engine_version(url: str, info: Mapping[str, Any]) -> None:
    _ENGINES[url] = f"{info.get('Version', 'unknown')} (API {info.get('ApiVersion', 'unknown')})"


def sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("docker")
    except PackageNotFoundError:
        return "unknown (the docker package is not installed)"


def runtime_versions() -> dict[str, str]:
    """{"docker SDK": ..., "engine": ...}; the engine is the one this process connected to,
    or says that none was (no new connection is made: a crash report must not hang)."""
    engines = "; ".join(f"{v} at {url}" for url, v in _ENGINES.items())
    return {"docker SDK": sdk_version(),
            "engine": engines or "unknown (this process did not connect to an engine)"}
