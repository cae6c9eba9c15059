"""Read the GPU stack of a built image: config ENV, then files read by a short shell probe
in a throw-away container (no network, no frameworks imported)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from imagesmith.compat import knowledge as K
from imagesmith.compat.catalog import parse_cuda_tag
from imagesmith.compat.stack import Framework, GpuStack

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine

# Each section starts with a marker line "@@name path". Only sh, cat, ls, find, grep and sed are used.
PROBE = r"""
echo "@@ldpath -"
IFS=:
for d in $LD_LIBRARY_PATH; do
  [ -d "$d" ] && ls "$d" 2>/dev/null | grep -E '^libcudnn\.so\.[0-9.]+$' | sed "s|^|$d/|"
done
unset IFS
for f in /usr/local/cuda/version.txt /usr/local/cuda/version.json; do
  [ -f "$f" ] && { echo "@@cuda $f"; cat "$f"; echo; }
done
for f in /usr/include/cudnn_version.h /usr/include/cudnn.h /usr/local/cuda/include/cudnn_version.h \
         /usr/local/cuda/include/cudnn.h /usr/include/x86_64-linux-gnu/cudnn_version_v*.h; do
  [ -f "$f" ] && { echo "@@cudnnh $f"; grep -E '#define CUDNN_(MAJOR|MINOR|PATCHLEVEL)' "$f"; }
done
echo "@@libs -"
ls /usr/lib/x86_64-linux-gnu /usr/local/cuda/lib64 /usr/lib64 2>/dev/null | grep -E '^lib(cudnn|cudart|cuda)\.so\.' 
ls -d /usr/local/cuda*/compat 2>/dev/null | sed 's/^/compatdir /'
[ -f /var/lib/dpkg/status ] && { echo "@@dpkg -"; grep -E '^(Package|Version|Status):' /var/lib/dpkg/status; }
for d in $(find / -xdev -maxdepth 6 -type d \( -name site-packages -o -name dist-packages \) 2>/dev/null); do
  for m in "$d"/*.dist-info/METADATA "$d"/*.egg-info/PKG-INFO "$d"/*.egg-info; do
    [ -f "$m" ] && { echo "@@dist $m"; grep -m2 -E '^(Name|Version): ' "$m"; }
  done
  [ -f "$d/torch/version.py" ] && { echo "@@torchver $d/torch/version.py"; grep -E '^(__version__|cuda|git_version) *=' "$d/torch/version.py"; }
done
exit 0
"""

CUDA_VERSION_TXT = re.compile(r"CUDA Version (\d+\.\d+(?:\.\d+)?)")
_DEFINE = re.compile(r"#define CUDNN_(MAJOR|MINOR|PATCHLEVEL)\s+(\d+)")


def _sections(text: str) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("@@"):
            kind, _, where = line[2:].partition(" ")
            out.append((kind, where, []))
        elif out:
            out[-1][2].append(line)
    return out


def parse_probe(text: str, stack: GpuStack) -> None:
    """Fill `stack` from the probe's output (kept separate so it can be tested on saved text)."""
    dpkg_cuda: list[tuple[str, str]] = []
    dists: dict[str, tuple[str, str]] = {}
    torch_cuda: str | None = None
    for kind, where, lines in _sections(text):
        body = "\n".join(lines)
        if kind == "cuda" and stack.cuda is None:
            cuda = None
            if where.endswith(".json"):
                try:
                    cuda = json.loads(body).get("cuda", {}).get("version")
                except (ValueError, AttributeError):
                    cuda = None
            else:
                m = CUDA_VERSION_TXT.search(body)
                cuda = m.group(1) if m else None
            if cuda:
                stack.cuda, stack.cuda_source = cuda, where
        elif kind == "ldpath" and stack.cudnn is None:
            # The loader searches LD_LIBRARY_PATH first: the cuDNN found there is the one used.
            found = [re.match(r"(.*)/libcudnn\.so\.(\d+(?:\.\d+)*)$", ln) for ln in lines]
            hits = [m for m in found if m]
            if hits:
                first_dir = hits[0].group(1)
                best = max((m for m in hits if m.group(1) == first_dir), key=lambda m: len(m.group(2)))
                stack.cudnn, stack.cudnn_source = best.group(2), f"{first_dir}/libcudnn.so.{best.group(2)}"
        elif kind == "cudnnh" and stack.cudnn is None:
            parts = dict(_DEFINE.findall(body))
            if "MAJOR" in parts:
                stack.cudnn = ".".join(
                    parts[k] for k in ("MAJOR", "MINOR", "PATCHLEVEL") if k in parts
                )
                stack.cudnn_source = where
        elif kind == "libs":
            for line in lines:
                if line.startswith("compatdir "):
                    stack.cuda_compat = True
                m = re.match(r"libcudnn\.so\.(\d+(?:\.\d+)*)$", line)
                if (
                    m
                    and (stack.cudnn is None or len(m.group(1)) > len(stack.cudnn))
                    and stack.cudnn_source in ("", "libcudnn.so")
                ):
                    stack.cudnn, stack.cudnn_source = m.group(1), "libcudnn.so"
        elif kind == "dpkg":
            pkg = ver = ""
            for line in lines:
                key, _, value = line.partition(": ")
                if key == "Package":
                    pkg, ver = value.strip(), ""
                elif key == "Version":
                    ver = value.strip()
                    if re.match(r"^(cuda-cudart|cuda-compat|libcudnn)", pkg):
                        dpkg_cuda.append((pkg, ver))
        elif kind == "dist":
            fields = dict(line.split(": ", 1) for line in lines if ": " in line)
            if "Name" in fields and "Version" in fields:
                dists[K.normalise(fields["Name"])] = (
                    fields["Name"].strip(),
                    fields["Version"].strip(),
                )
        elif kind == "torchver":
            m = re.search(r"^cuda\s*=\s*['\"]?([\d.]+|None)", body, re.MULTILINE)
            if m and m.group(1) != "None":
                torch_cuda = m.group(1)
    for pkg, ver in dpkg_cuda:
        if pkg.startswith("cuda-compat"):
            stack.cuda_compat = True
        elif pkg.startswith("cuda-cudart") and stack.cuda is None:
            stack.cuda, stack.cuda_source = ver.split("-")[0], f"dpkg {pkg}"
        elif pkg.startswith("libcudnn") and stack.cudnn is None:
            stack.cudnn, stack.cudnn_source = ver.split("-")[0], f"dpkg {pkg}"
    for key, (name, ver) in sorted(dists.items()):
        if K.package_build(name, ver) is None:
            continue
        variant = None
        if key == "torch":
            local = K.try_version(ver)
            if local is not None and local.local:
                variant = str(local.local)
            elif torch_cuda:
                variant = "cu" + K.major_minor(torch_cuda).replace(".", "")
        stack.frameworks.append(
            Framework(name, ver, None, variant, source="installed package metadata")
        )
    if torch_cuda:
        stack.evidence.append(f"torch/version.py: cuda = {torch_cuda}")


FIXED_FILES = (
    ("cuda", "/usr/local/cuda/version.txt"),
    ("cuda", "/usr/local/cuda/version.json"),
    ("cudnnh", "/usr/include/cudnn_version.h"),
    ("cudnnh", "/usr/include/cudnn.h"),
    ("dpkg", "/var/lib/dpkg/status"),
)


def _has_shell(engine: "Engine", ref: str) -> bool:
    from imagesmith.core.errors import UserInputError

    cid = engine.create(ref, ["/bin/sh"], role="compat-probe")
    try:
        engine.copy_out(cid, "/bin/sh")
        return True
    except UserInputError:
        return False
    finally:
        engine.remove_container(cid)


def _read_fixed_files(engine: "Engine", ref: str) -> str:
    """Probe-format text from files read out of a created (never started) container."""
    cid = engine.create(ref, ["/bin/sh"], role="compat-probe")
    parts = []
    try:
        for kind, path in FIXED_FILES:
            data = engine.read_file(cid, path)
            if data is not None:
                parts.append(f"@@{kind} {path}\n{data.decode('utf-8', 'replace')}\n")
    finally:
        engine.remove_container(cid)
    return "".join(parts)


def stack_from_env(env: dict[str, str], stack: GpuStack) -> None:
    stack.env = dict(env)
    if env.get("CUDA_VERSION"):
        stack.cuda, stack.cuda_source = env["CUDA_VERSION"], "ENV CUDA_VERSION"
    cudnn_env = env.get("CUDNN_VERSION") or env.get("NV_CUDNN_VERSION")
    if cudnn_env:
        stack.stated_cudnn = cudnn_env
    if env.get("NVIDIA_REQUIRE_CUDA"):
        stack.nvidia_require = env["NVIDIA_REQUIRE_CUDA"]
    if env.get("NV_CUDA_COMPAT_PACKAGE"):
        stack.cuda_compat = True


def stack_from_image(engine: Engine, ref: str) -> GpuStack:
    """ENV from the image config; CUDA/cuDNN versions, dpkg entries and Python package metadata
    from files, read by a shell probe that runs without network as the image's default user."""
    info = engine.inspect_image(ref)
    env = engine.image_env(ref)
    stack = GpuStack(base_image=ref)
    stack_from_env(env, stack)
    labels = (info.get("Config") or {}).get("Labels") or {}
    if stack.cuda is None and labels.get("com.nvidia.cuda.version"):
        stack.cuda, stack.cuda_source = (
            labels["com.nvidia.cuda.version"],
            "LABEL com.nvidia.cuda.version",
        )
    if _has_shell(engine, ref):
        result = engine.run(
            ref, ["-c", PROBE], entrypoint=["/bin/sh"], timeout=120, role="compat-probe"
        )
        output = result.stdout
        if result.exit_code != 0 and not output:
            stack.evidence.append(
                f"file probe failed (exit {result.exit_code}): {result.stderr.strip()[:200]}"
            )
    else:
        output = _read_fixed_files(engine, ref)
        stack.evidence.append(
            "the image has no /bin/sh: only fixed paths were read (no Python package metadata)"
        )
    env_cuda = stack.cuda
    parse_probe(output, stack)
    if env_cuda and stack.cuda_source.startswith("ENV"):
        stack.evidence.append(f"CUDA {env_cuda} from ENV CUDA_VERSION")
    if stack.stated_cudnn and stack.cudnn is None:
        stack.cudnn, stack.cudnn_source = stack.stated_cudnn, "ENV CUDNN_VERSION"
    for tag_ref in info.get("RepoTags") or []:
        if stack.cuda is None and parse_cuda_tag(tag_ref):
            stack.cuda, stack.cuda_source = parse_cuda_tag(tag_ref)["cuda"], f"tag {tag_ref}"  # type: ignore[index]
    return stack
