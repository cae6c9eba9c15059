"""Builds: stream a classic-builder build as decoded events; Docker's .dockerignore semantics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from imagesmith.engine.events import BuildEvent
from imagesmith.engine.session import EngineSession

_STEP = re.compile(r"^Step (\d+)/(\d+) : ")


class BuildOps(EngineSession):
    def build(
        self,
        context: Path,
        *,
        tag: str | None = None,
        dockerfile: str = "Dockerfile",
        network_mode: str | None = None,
        buildargs: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        nocache: bool = False,
        pull: bool = False,
    ) -> Iterator[BuildEvent]:
        """Stream a build. A step that fails is an "error" event (the build ran and failed); a
        request the builder refuses (unparsable Dockerfile, bad tag) raises EngineRefused.
        Intermediate containers are removed even when a step fails."""
        with self._call(f"building {context}"):
            stream = self.api.build(
                path=str(context),
                dockerfile=dockerfile,
                tag=tag,
                rm=True,
                forcerm=True,
                network_mode=network_mode,
                buildargs=buildargs or {},
                labels=labels or {},
                nocache=nocache,
                pull=pull,
                decode=True,
            )
            for chunk in stream:
                if "stream" in chunk:
                    text = chunk["stream"]
                    m = _STEP.match(text)
                    if m:
                        yield BuildEvent("step", text.strip(), int(m.group(1)), int(m.group(2)))
                    else:
                        yield BuildEvent("log", text)
                elif "error" in chunk:
                    yield BuildEvent("error", chunk["error"], error_detail=chunk.get("errorDetail"))
                    return
                elif "aux" in chunk and "ID" in chunk["aux"]:
                    yield BuildEvent("done", image_id=chunk["aux"]["ID"])
                elif "status" in chunk:
                    yield BuildEvent("log", chunk["status"] + "\n")
