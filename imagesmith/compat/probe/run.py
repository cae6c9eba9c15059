"""Run the in-image probe through the engine: one throw-away container, as root (to see what
pip sees for root, /root/.local included), without network; `/bin/sh` is all it needs."""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING

from imagesmith.compat.probe.facts import ImageFacts
from imagesmith.compat.probe.parse import parse_probe_output

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine

# Top-level package directories of GPU frameworks: their shared objects are listed as
# candidates for CUDA code (the probe lists libcu*/libnv*/libnccl* anywhere in site-packages too).
GPU_PACKAGE_DIRS = ("torch", "tensorflow", "tensorflow_core", "jax", "jaxlib", "mxnet", "cupy",
                    "cupy_backends", "cntk", "paddle", "tensorrt", "onnxruntime", "caffe2",
                    "triton", "nvidia")
# What can still be read from an image with no /bin/sh (nothing can run in it).
FIXED_FILES = ("/usr/local/cuda/version.json", "/usr/local/cuda/version.txt",
               "/usr/include/cudnn_version.h", "/usr/include/cudnn.h", "/usr/include/nccl.h",
               "/var/lib/dpkg/status")
NO_SHELL = "the image has no /bin/sh, so nothing can run in it: only fixed paths were read"


def script(name: str) -> str:
    return (resources.files("imagesmith.compat.probe") / name).read_text(encoding="utf-8")


def _has_shell(engine: Engine, ref: str) -> bool:
    from imagesmith.core.errors import UserInputError

    cid = engine.create(ref, ["/bin/sh"], role="probe")
    try:
        engine.copy_out(cid, "/bin/sh")
        return True
    except UserInputError:
        return False
    finally:
        engine.remove_container(cid)


def _fixed_files_text(engine: Engine, ref: str, env: dict[str, str]) -> str:
    """Probe-format text from files read out of a created (never started) container."""
    parts = ["@@probe 1", "@@environ -",
             "\x1e".join(f"{k}={v.replace(chr(10), chr(31))}" for k, v in env.items())]
    cid = engine.create(ref, ["/bin/sh"], role="probe")
    try:
        for path in FIXED_FILES:
            data = engine.read_file(cid, path)
            if data is None:
                continue
            body = data.decode("utf-8", "replace")
            if path.endswith(".h"):
                parts += [f"@@header {path}", *re.findall(r"^#define\s+\w+\s+\d+.*$", body, re.M)]
            elif path.endswith("status"):
                parts += [f"@@dpkg {path}",
                          *re.findall(r"^(?:Package|Version|Status):.*$", body, re.M)]
            else:
                parts += [f"@@cuda {path}", body]
    finally:
        engine.remove_container(cid)
    for fact in ("python", "libraries", "ldconf", "user"):
        parts += [f"@@unknown {fact}", NO_SHELL]
    return "\n".join(parts) + "\n"


def probe_image(engine: Engine, ref: str, *, timeout: float = 120.0) -> ImageFacts:
    """The facts of image `ref`, read by the in-image probe (or from fixed files without sh)."""
    info = engine.inspect_image(ref)
    configured_user = str((info.get("Config") or {}).get("User") or "")
    if not _has_shell(engine, ref):
        return parse_probe_output(_fixed_files_text(engine, ref, engine.image_env(ref)))
    res = engine.run(ref, ["-c", script("in_image.sh"), "probe", script("in_image.py"),
                           configured_user, *GPU_PACKAGE_DIRS],
                     entrypoint=["/bin/sh"], user="0", network_mode="none", timeout=timeout,
                     role="probe")
    text = res.stdout
    if res.timed_out:
        text += f"\n@@error probe\ndid not finish within {timeout:.0f}s\n"
    elif res.exit_code != 0:
        text += f"\n@@error probe\nexit {res.exit_code}: {res.stderr.strip()[-300:]}\n"
    return parse_probe_output(text)
