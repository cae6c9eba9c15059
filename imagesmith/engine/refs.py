"""Image references as the engine's API wants them."""

from __future__ import annotations


def repo_tag(ref: str) -> tuple[str, str]:
    """`bit:5000/x:1` -> (`bit:5000/x`, `1`); no tag means `latest` (the registry port is no tag)."""
    from imagesmith.core.profile import split_image_ref

    repo, tag = split_image_ref(ref)
    return repo, tag or "latest"


def registry_of(ref: str) -> str:
    """The registry host of a reference (`bit:5000/x:1` -> `bit:5000`; `docker.io` when none),
    by the SDK's own rule; a malformed reference gives its text back."""
    from docker.auth import resolve_repository_name
    from docker.errors import DockerException

    try:
        return str(resolve_repository_name(repo_tag(ref)[0])[0])
    except DockerException:
        return ref
