"""What a base image's config is, as far as the profile's catalog describes it."""

from __future__ import annotations

from pathlib import Path

from imagesmith.core.profile import Profile
from imagesmith.model.build import BaseConfig, BaseResolver, BuildModel


def catalog_resolver(profile: Profile, fallback: BaseResolver | None = None) -> BaseResolver:
    """Catalog images: their ENV as the profile lists it (the whole config env); anything else
    goes to `fallback` (e.g. what compat knows of nvidia/cuda tags, or the engine)."""

    def resolve(ref: str) -> BaseConfig | None:
        image = profile.find_image(ref)
        if image is not None and image.env:
            return BaseConfig(dict(image.env), True, f"catalog {image.name}")
        return fallback(ref) if fallback is not None else None

    return resolve


def model_for(
    text: str,
    path: str,
    profile: Profile,
    *,
    context_dir: Path | None = None,
    misnamed: bool = False,
) -> BuildModel:
    """The build model as every command builds it: base images described by the profile."""
    from imagesmith.model.build import build_model

    return build_model(
        text, path, resolve=catalog_resolver(profile), context_dir=context_dir, misnamed=misnamed
    )
