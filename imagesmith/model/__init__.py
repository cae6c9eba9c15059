"""The one faithful model of a build: a Dockerfile evaluated as BuildKit evaluates it.

Every rule and service reads this model instead of re-deriving facts: `build_model` parses
with BuildKit's parser and evaluates variables, stages and scopes (`model.build`, lexer in
`model.words`); RUN bodies are read once with the shell state they run with (`model.runs`).
"""

from __future__ import annotations

from pathlib import Path

from imagesmith.core.errors import DockerfileParseError
from imagesmith.model.build import (
    BaseConfig,
    BaseResolver,
    BuildModel,
    Instruction,
    Stage,
    build_model,
    platform_args,
    stage_scope,
)
from imagesmith.model.base import catalog_resolver, model_for
from imagesmith.model.runs import RunCommand
from imagesmith.model.words import Expansion, Scope, Unknown, UnknownRef, expand

ParsedDockerfile = BuildModel  # the name most modules still use


def read_model(
    path: Path,
    *,
    resolve: BaseResolver | None = None,
    context_dir: Path | None = None,
    misnamed: bool = False,
) -> BuildModel:
    """Read and evaluate a Dockerfile, turning I/O problems into input errors."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DockerfileParseError(f"cannot read: {exc.strerror}", where=path) from None
    return build_model(
        text, str(path), resolve=resolve, context_dir=context_dir, misnamed=misnamed
    )


__all__ = [
    "BaseConfig",
    "BaseResolver",
    "BuildModel",
    "Expansion",
    "Instruction",
    "ParsedDockerfile",
    "RunCommand",
    "Scope",
    "Stage",
    "Unknown",
    "UnknownRef",
    "build_model",
    "catalog_resolver",
    "model_for",
    "expand",
    "platform_args",
    "read_model",
    "stage_scope",
]
