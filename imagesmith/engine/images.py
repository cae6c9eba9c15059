"""Images in the local engine: inspect, tag, remove, import, save, commit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from imagesmith.core.errors import EngineError, EngineNotFound, UserInputError
from imagesmith.engine.refs import repo_tag
from imagesmith.engine.session import EngineSession


class ImageOps(EngineSession):
    def image_exists(self, ref: str) -> bool:
        try:
            self.inspect_image(ref)
            return True
        except EngineNotFound:
            return False

    def inspect_image(self, ref: str) -> dict[str, Any]:
        with self._call(f"inspecting image {ref}", image=ref):
            return dict(self.api.inspect_image(ref))

    def image_env(self, ref: str) -> dict[str, str]:
        env = self.inspect_image(ref).get("Config", {}).get("Env") or []
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)

    def tag(self, image: str, ref: str) -> None:
        repo, tag = repo_tag(ref)
        with self._call(f"tagging {image} as {ref}", image=image):
            self.api.tag(image, repo, tag)

    def remove_image(self, ref: str, force: bool = True) -> None:
        """Remove an image; one that is gone already or that the engine keeps is left alone."""
        try:
            with self._call(f"removing image {ref}", image=ref):
                self.api.remove_image(ref, force=force)
        except EngineError:
            pass

    def import_rootfs(self, tar_path: Path, ref: str, changes: Sequence[str] = ()) -> str:
        repo, tag = repo_tag(ref)
        with self._call(f"importing {tar_path} as {ref}"):
            out = self.api.import_image_from_file(str(tar_path), repository=repo, tag=tag,
                                                  changes=list(changes))
        return str(out)

    def save_image(self, ref: str, dest: Path) -> None:
        """`docker save` into `dest`; on failure no partial file is left there."""
        if not dest.parent.is_dir():
            raise UserInputError("no such folder to save the image into", where=dest.parent)
        part = dest.with_name(dest.name + ".part")
        try:
            with self._call(f"saving image {ref}", image=ref), open(part, "wb") as fh:
                for chunk in self.api.get_image(ref):
                    fh.write(chunk)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)

    def commit(self, container: str, ref: str | None = None, *, temporary: bool = True) -> str:
        repo, tag = repo_tag(ref) if ref else (None, None)
        with self._call(f"committing container {container[:12]}", container=container):
            out = self.api.commit(container, repository=repo, tag=tag,
                                  conf={"Labels": self.labels("commit")})
        image_id = str(out["Id"])
        if temporary:
            self.track_image(ref or image_id)
        return image_id
