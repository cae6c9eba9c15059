"""The truth from the binaries: read the device code compiled into an image's CUDA libraries
and GPU extension modules (the probe lists them), so compat decides from what is really there.

Each shared object the probe found is copied out of a created (never started) container and
read with `compat.fatbin`; what a library carries is added to the stack as `BuiltCode` with
`from_binary=True`, which the verdict engine prefers over the toolkit table.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.compat.fatbin import read_binary
from imagesmith.compat.stack import BuiltCode, GpuStack

if TYPE_CHECKING:
    from imagesmith.compat.probe.facts import ImageFacts
    from imagesmith.engine import Engine

MAX_BYTES = 8 << 30  # read at most this much of an image's libraries


def add_binary_code(engine: "Engine", ref: str, facts: "ImageFacts", stack: GpuStack) -> None:
    objects = [o for o in facts.shared_objects if o.size > 0]
    if not objects:
        return
    total = 0
    cid = engine.create(ref, ["/bin/true"], role="probe")
    try:
        with tempfile.TemporaryDirectory(prefix="imagesmith-code-") as tmp:
            for obj in objects:
                total += obj.size
                if total > MAX_BYTES:
                    stack.unresolved(
                        f"the image's CUDA libraries exceed {MAX_BYTES >> 30} GiB; the rest were "
                        "not read", code="IS402")
                    break
                local = _copy_one(engine, cid, obj.path, Path(tmp))
                if local is None:
                    continue
                code = read_binary(local)
                local.unlink()
                if code.error:
                    stack.evidence.append(f"{obj.path}: device code unknown ({code.error})")
                elif code.has_device_code:
                    stack.built_code.append(BuiltCode(
                        f"{obj.path} (read from the binary)", code.sass, code.ptx,
                        from_binary=True))
                if code.soname and code.version and "cudart" in code.soname and not stack.cuda:
                    stack.cuda, stack.cuda_source = code.version, f"{obj.path} ({code.version_source})"
    finally:
        engine.remove_container(cid)


def _copy_one(engine: "Engine", cid: str, path: str, tmp: Path) -> Path | None:
    data = engine.copy_out(cid, path)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = next((m for m in tar.getmembers() if m.isfile()), None)
        if member is None:
            return None
        handle = tar.extractfile(member)
        if handle is None:
            return None
        out = tmp / "lib.so"
        with open(out, "wb") as fh:
            while chunk := handle.read(1 << 20):
                fh.write(chunk)
        return out
