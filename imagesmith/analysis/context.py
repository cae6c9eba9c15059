"""COPY/ADD sources of the build folder: kept for the rules that import them from here.

The build context itself (walk, .dockerignore, source resolution) is `imagesmith.model.context`.
"""

from __future__ import annotations

from imagesmith.model.context import CopySource, copy_sources

local_sources = copy_sources

__all__ = ["CopySource", "local_sources"]
