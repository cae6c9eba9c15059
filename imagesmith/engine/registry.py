"""Registries: push and pull. A registry that refuses or cannot be reached raises RegistryRefused."""

from __future__ import annotations

from typing import Iterator

from imagesmith.engine.events import PushEvent
from imagesmith.engine.images import ImageOps
from imagesmith.engine.refs import registry_of, repo_tag


class RegistryOps(ImageOps):
    def push(self, ref: str) -> Iterator[PushEvent]:
        repo, tag = repo_tag(ref)
        with self._call(f"pushing {ref}", image=ref, registry=registry_of(ref)) as call:
            for chunk in self.api.push(repo, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    raise call.failure(chunk["error"])
                detail = chunk.get("progressDetail") or {}
                if "aux" in chunk and "Digest" in chunk["aux"]:
                    yield PushEvent("done", digest=chunk["aux"]["Digest"])
                elif detail.get("total"):
                    yield PushEvent("progress", chunk.get("status", ""), chunk.get("id"),
                                    detail.get("current"), detail.get("total"))
                else:
                    yield PushEvent("status", chunk.get("status", ""), chunk.get("id"))

    def pull(self, ref: str) -> str:
        """Pull `ref` and return its image id."""
        repo, tag = repo_tag(ref)
        with self._call(f"pulling {ref}", registry=registry_of(ref)) as call:
            for chunk in self.api.pull(repo, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    raise call.failure(chunk["error"])
        return str(self.inspect_image(ref)["Id"])
