"""Builds: stream a classic-builder build as decoded events; Docker's .dockerignore semantics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Collection, Iterator

from imagesmith.core.errors import EngineError, EngineNotFound
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
        target: str | None = None,
    ) -> Iterator[BuildEvent]:
        """Stream a build. A step that fails is an "error" event (the build ran and failed); a
        request the builder refuses (unparsable Dockerfile, bad tag) raises EngineRefused.
        Intermediate containers are removed even when a step fails. Closing the iterator
        closes the connection, which is what makes the daemon cancel the build."""
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
                target=target,
                decode=True,
            )
            try:
                yield from _events(stream)
            finally:
                stream.close()

    def images_committed_from(self, containers: Collection[str], since: float) -> list[str]:
        """Untagged images created at or after `since` (epoch seconds) that the builder
        committed from one of `containers` (full ids or prefixes), newest first: the step
        images of a build whose `---> <id>` line may never have reached us."""
        if not containers:
            return []
        with self._call("listing images"):
            recent = [i for i in self.api.images(all=True)
                      if i.get("Created", 0) >= int(since) - 1
                      and not [t for t in i.get("RepoTags") or [] if t != "<none>:<none>"]]
        found = []
        for image in sorted(recent, key=lambda i: -i.get("Created", 0)):
            try:
                with self._call("inspecting image", image=image["Id"]):
                    source = self.api.inspect_image(image["Id"]).get("Container") or ""
            except EngineError:
                continue
            if source and any(source.startswith(c) for c in containers):
                found.append(image["Id"])
        return found

    def drop_tag(self, ref: str) -> None:
        """Remove the name `ref`; the image goes too when no other name holds it, its parents
        stay."""
        with self._call(f"untagging {ref}", image=ref):
            self.api.remove_image(ref, force=False, noprune=True)

    def remove_step_images(self, images: list[str]) -> None:
        """Remove a build's own step images, children before parents. Parents the build did
        not create stay (noprune), and an image something else now uses is left alone."""
        left = list(dict.fromkeys(images))
        while left:  # a parent goes only once its children are gone: repeat while that helps
            kept = []
            for ref in left:
                try:
                    with self._call(f"removing image {ref[:19]}", image=ref):
                        self.api.remove_image(ref, force=False, noprune=True)
                except EngineNotFound:
                    pass
                except EngineError:
                    kept.append(ref)
            if len(kept) == len(left):
                return
            left = kept


def _events(stream: Iterator[dict]) -> Iterator[BuildEvent]:  # type: ignore[type-arg]
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
