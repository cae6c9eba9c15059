"""Read the GPU stack a Dockerfile produces: the base image (profile catalog entry, `nvidia/cuda`,
`tensorflow/tensorflow`, `pytorch/pytorch` tags), ENV, installed `cuda-*`/`libcudnn*` packages,
CUDA/cuDNN archives and downloads, and pip/conda framework installs (with torch wheel variants)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.compat import knowledge as K
from imagesmith.compat.catalog import stack_from_catalog, stack_from_cuda_tag
from imagesmith.compat.probe.parse import CUDA_VERSION_TXT
from imagesmith.compat.stack import BuiltCode, Framework, GpuStack
from imagesmith.core import versions as V
from imagesmith.core.profile import Profile, split_image_ref

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.model import ParsedDockerfile, Stage

_APT_CUDA = re.compile(r"^cuda-(?:[a-z-]+-)?(\d+)-(\d+)$")
_APT_CUDA_META = re.compile(r"^cuda-(\d+)-(\d+)$")
_APT_CUDNN = re.compile(r"^libcudnn(\d+)(?:-dev)?$")
_ARCHIVE = re.compile(r"cuda[-_]?(\d+(?:\.\d+)?)[-_]?cudnn[-_]?v?(\d+(?:\.\d+)*)", re.IGNORECASE)
_RUNFILE = re.compile(r"cuda_(\d+\.\d+(?:\.\d+)?)_[\d.]+_linux(?:-run|\.run)", re.IGNORECASE)
_CUDNN_TGZ = re.compile(r"cudnn-(\d+\.\d+)-linux-x64-v(\d+(?:\.\d+)*)", re.IGNORECASE)
_WHEEL = re.compile(
    r"/(?:(cu\d+)/)?([A-Za-z0-9_]+)-(\d+(?:\.\d+)*(?:(?:\.post|\+)[A-Za-z0-9.]+)?)-cp\d+",
    re.IGNORECASE,
)
_INDEX_VARIANT = re.compile(r"download\.pytorch\.org/whl/(?:[a-z]+/)?(cu\d+|cpu|rocm[\d.]+)\b")
_TF_TAG = re.compile(r"^(?P<ver>\d+\.\d+(?:\.\d+)?)(?:-devel)?-gpu")
_PT_TAG = re.compile(r"^(?P<ver>\d+\.\d+(?:\.\d+)?)-cuda(?P<cuda>\d+\.\d+)-cudnn(?P<cudnn>\d+)")


def base_stack(ref: str, profile: Profile) -> GpuStack:
    """What is known of a base image without pulling it."""
    image = profile.find_image(ref)
    if image is not None:
        return stack_from_catalog(image)
    tagged = stack_from_cuda_tag(ref)
    if tagged is not None:
        return tagged
    repo, tag = split_image_ref(ref)
    name = repo.lower().removeprefix("docker.io/")
    if name == "tensorflow/tensorflow" and tag and _TF_TAG.match(tag):
        ver = _TF_TAG.match(tag).group("ver")  # type: ignore[union-attr]
        build = K.tensorflow_build("tensorflow-gpu", ver)
        stack = GpuStack(
            base_image=ref,
            cuda=build.cuda if build else None,
            cudnn=build.cudnn if build else None,
            cuda_source=f"tensorflow {ver} GPU image",
            cudnn_source=f"tensorflow {ver} GPU image",
        )
        stack.frameworks.append(Framework("tensorflow-gpu", ver, None, source=f"base image {ref}"))
        return stack
    if name == "pytorch/pytorch" and tag and _PT_TAG.match(tag):
        m = _PT_TAG.match(tag)
        assert m is not None
        cuda = m.group("cuda")
        stack = GpuStack(
            base_image=ref,
            cuda=cuda,
            cudnn=m.group("cudnn"),
            cuda_source=f"tag of {ref}",
            cudnn_source=f"tag of {ref}",
        )
        stack.frameworks.append(
            Framework(
                "torch",
                m.group("ver"),
                None,
                V.cuda_variant(cuda),
                source=f"base image {ref}",
            )
        )
        return stack
    stack = GpuStack(base_image=ref)
    if ref.lower() == "scratch" or _gpu_free_official_image(name):
        stack.evidence.append(
            f"base image {ref} is a Docker Official Image of an OS or language runtime, which "
            "carries no CUDA (docker-library/official-images; confidence D)"
        )
        return stack
    why = (
        "its tag does not follow the nvidia/cuda tag grammar"
        if name in ("nvidia/cuda", "nvcr.io/nvidia/cuda")
        else "it is neither in the profile catalog nor a known CUDA image"
    )
    stack.evidence.append(f"base image {ref}: {why}")
    stack.unresolved(
        f"base image {ref}: {why}, so its CUDA, cuDNN and frameworks are unknown "
        f"(check the image itself: `imagesmith compat {ref}` where it exists)",
        code="IS401",
    )
    return stack


# Docker Official Images of OSes and language runtimes: none ships CUDA libraries.
_GPU_FREE = frozenset(
    "alpine almalinux amazonlinux archlinux busybox centos clearlinux debian fedora gentoo/stage3 "
    "mageia opensuse/leap opensuse/tumbleweed oraclelinux photon rockylinux sl ubuntu "
    "buildpack-deps gcc golang haskell julia node openjdk eclipse-temurin perl php pypy python "
    "r-base ruby rust erlang elixir swift nginx httpd postgres mysql mariadb redis mongo".split()
)


def _gpu_free_official_image(name: str) -> bool:
    return name.removeprefix("library/") in _GPU_FREE


def _stage_chain(parsed: ParsedDockerfile) -> list[Stage]:
    chain = [parsed.stages[-1]]
    while chain[0].base_stage is not None:
        chain.insert(0, parsed.stages[chain[0].base_stage])
    return chain


def _set_cuda(stack: GpuStack, cuda: str, source: str, line: int) -> None:
    stack.cuda, stack.cuda_source, stack.cuda_line = cuda, source, line


def _set_cudnn(stack: GpuStack, cudnn: str, source: str, line: int) -> None:
    stack.cudnn, stack.cudnn_source, stack.cudnn_line = cudnn, source, line


def _add_framework(stack: GpuStack, fw: Framework) -> None:
    """A later install of the same package replaces the earlier one (pip upgrades it)."""
    key = V.canonical_name(fw.name)
    stack.frameworks = [f for f in stack.frameworks if V.canonical_name(f.name) != key]
    stack.frameworks.append(fw)


def stack_from_parsed(
    parsed: ParsedDockerfile, profile: Profile, context_dir: Path | None = None
) -> GpuStack:
    from imagesmith.analysis.installs import (
        archives,
        downloads,
        package_actions,
        package_installs,
        run_commands,
    )

    if not parsed.stages:
        return GpuStack()
    chain = _stage_chain(parsed)
    root = chain[0]
    if root.unresolved or root.base_error:
        stack = GpuStack(base_image=root.base)
        names = ", ".join(f"${n}" for n in root.unresolved)
        stack.unresolved(
            f"the base image `{root.base_raw}` (line {root.line}) cannot be resolved"
            f" ({names or root.base_error}: no default, set only by --build-arg), so the "
            "image's CUDA stack is unknown",
            code="IS401",
            line=root.line,
        )
    else:
        stack = base_stack(root.base, profile)
    stages = {s.index for s in chain}
    events: list[tuple[int, str, object]] = []
    for st in chain:
        for ins in st.instructions:
            if ins.cmd == "ENV":
                events.append((ins.line, "env", ins))
    for p in package_installs(parsed):
        if p.stage in stages:
            events.append((p.line, "pkg", p))
    for rc in run_commands(parsed):
        if rc.instruction.stage in stages:
            events.append((rc.line, "run", rc))
    for a in archives(parsed, context_dir):
        if a.stage in stages:
            events.append((a.line, "archive", a))
    for d in downloads(parsed):
        if d.stage in stages:
            events.append((d.line, "download", d))
    for rc in run_commands(parsed):
        if rc.instruction.stage in stages:
            _apply_built_code(stack, rc)
    base_unknown = any(u.code == "IS401" for u in stack.unknowns)  # one root cause, said once
    for p in package_actions(parsed):
        if base_unknown:
            break
        if p.stage in stages and p.unknown and _GPU_PACKAGE.match(p.spec or p.name):
            stack.unresolved(
                f"`{p.spec}` (line {p.line}): {p.unknown}, so which GPU build it installs is "
                "unknown", line=p.line, subject=p.name,
            )
    for line, kind, item in sorted(events, key=lambda e: e[0]):
        if kind == "env":
            _apply_env(stack, item, line)  # type: ignore[arg-type]
        elif kind == "pkg":
            _apply_package(stack, item)  # type: ignore[arg-type]
        elif kind == "run":
            _apply_wheel_urls(stack, item)  # type: ignore[arg-type]
        elif kind == "archive":
            _apply_archive(stack, item, line, context_dir)  # type: ignore[arg-type]
        elif kind == "download":
            url = item.url  # type: ignore[attr-defined]
            if m := _RUNFILE.search(url):
                _set_cuda(stack, m.group(1), f"CUDA runfile download (line {line})", line)
            elif m := _CUDNN_TGZ.search(url):
                _set_cudnn(stack, m.group(2), f"cuDNN download (line {line})", line)
    return stack


def _archive_contents(path: Path) -> tuple[str | None, str | None]:
    """(CUDA, cuDNN) read from a tar archive's `version.txt` and `libcudnn.so.X.Y.Z` names."""
    import tarfile

    cuda = cudnn = None
    try:
        with tarfile.open(path) as tar:
            for member in tar.getmembers()[:5000]:
                base = member.name.rsplit("/", 1)[-1]
                m = re.fullmatch(r"libcudnn\.so\.(\d+(?:\.\d+)+)", base)
                if m and (cudnn is None or len(m.group(1)) > len(cudnn)):
                    cudnn = m.group(1)
                if base == "version.txt" and member.isfile() and member.size < 4096:
                    fh = tar.extractfile(member)
                    found = (
                        CUDA_VERSION_TXT.search(fh.read().decode("utf-8", "replace"))
                        if fh
                        else None
                    )
                    cuda = found.group(1) if found else cuda
    except (tarfile.TarError, OSError):
        return None, None
    return cuda, cudnn


def _apply_archive(stack: GpuStack, item: object, line: int, context_dir: Path | None) -> None:
    source = item.source  # type: ignore[attr-defined]
    local = context_dir / source if context_dir is not None else None
    cuda, cudnn = (
        _archive_contents(local) if local is not None and local.is_file() else (None, None)
    )
    how = "read from"
    if cuda is None and cudnn is None:
        m = _ARCHIVE.search(source)
        if not m:
            return
        cuda = m.group(1) if "." in m.group(1) else V.cuda_from_digits(m.group(1))
        cudnn, how = m.group(2), "named by"
        stack.assumed.append(f"{source} (line {line}) holds the CUDA/cuDNN its name says")
    if cuda:
        _set_cuda(stack, cuda, f"archive {source}", line)
    if cudnn:
        if stack.cudnn and not stack.cudnn_source.startswith("archive"):
            stack.base_cudnn = stack.cudnn
        _set_cudnn(stack, cudnn, f"archive {source}", line)
    stack.evidence.append(f"CUDA {cuda or '-'} / cuDNN {cudnn or '-'} {how} {source} (line {line})")


def _apply_env(stack: GpuStack, ins: object, line: int) -> None:
    assigned = {k: v for k, v in getattr(ins, "assigned", {}).items() if v is not None}
    stack.env.update(assigned)
    if assigned.get("CUDA_VERSION"):
        _set_cuda(stack, assigned["CUDA_VERSION"], f"ENV CUDA_VERSION (line {line})", line)
    cudnn = assigned.get("CUDNN_VERSION") or assigned.get("NV_CUDNN_VERSION")
    if cudnn:
        stack.stated_cudnn = cudnn
        stack.cudnn_line = line
        if stack.cudnn is None:
            _set_cudnn(stack, cudnn, f"ENV CUDNN_VERSION (line {line})", line)
    if "NVIDIA_REQUIRE_CUDA" in assigned:
        stack.nvidia_require = assigned["NVIDIA_REQUIRE_CUDA"] or None
        stack.require_line = line
    if assigned.get("NV_CUDA_COMPAT_PACKAGE"):
        stack.cuda_compat = True


def _apply_package(stack: GpuStack, p: object) -> None:
    name, ver, line, manager = p.name, p.release, p.line, p.manager  # type: ignore[attr-defined]
    build = p.build or ""  # type: ignore[attr-defined]
    key = V.canonical_name(name)
    if manager == "apt":
        if key.startswith("cuda-compat"):
            stack.cuda_compat = True
        m = _APT_CUDA.match(key)
        if m and not key.startswith("cuda-compat"):
            _set_cuda(stack, f"{m.group(1)}.{m.group(2)}", f"apt {name} (line {line})", line)
        m = _APT_CUDNN.match(key)
        if m:
            cudnn = (V.upstream(ver) if ver else None) or m.group(1)
            _set_cudnn(stack, cudnn, f"apt {name} (line {line})", line)
        return
    if manager == "conda" and ver and build:
        m = re.search(r"cuda(\d+)\.(\d+)", build)
        if key == "pytorch" and (m or "cpu" in build):
            _add_framework(
                stack,
                Framework(
                    "torch",
                    ver,
                    line,
                    V.cuda_variant(m.group(0)) if m else "cpu",
                    source=f"conda install (line {line})",
                ),
            )
            return
    if manager == "conda":
        if key in ("cudatoolkit", "pytorch-cuda") and ver:
            torch = next((f for f in stack.frameworks if V.canonical_name(f.name) == "torch"), None)
            variant = V.cuda_variant(ver)
            if torch is not None and variant is not None:
                torch.variant = variant
        if key == "pytorch":
            name = "torch"
    if key in ("torch", "pytorch") and manager in ("pip", "conda"):
        raw = p.raw  # type: ignore[attr-defined]
        m = _INDEX_VARIANT.search(raw)
        variant = m.group(1) if m and not (ver and "+" in ver) else None
        _add_framework(
            stack, Framework("torch", ver, line, variant, source=f"{manager} install (line {line})",
                             spec=p.spec, installed_by_pip=manager == "pip")  # type: ignore[attr-defined]
        )
        return
    if K.package_build(name, ver) is not None or (key.startswith("jax") and manager == "pip"):
        _add_framework(stack, Framework(name, ver, line, source=f"{manager} install (line {line})",
                                        spec=p.spec, installed_by_pip=manager == "pip"))  # type: ignore[attr-defined]


_GPU_PACKAGE = re.compile(
    r"^[\"']?(torch|pytorch|tensorflow|tf-nightly|jax|jaxlib|cupy|mxnet|paddlepaddle|cntk|"
    r"nvidia-|cuda|cudnn|libcudnn)", re.I
)
_EXTENSION_BUILDS = re.compile(r"^(python[0-9.]*|pip[0-9.]*|cmake|make|ninja|colcon)$")


def _apply_built_code(stack: GpuStack, rc: object) -> None:
    """What device code nvcc, or a torch extension build under TORCH_CUDA_ARCH_LIST, compiles."""
    from imagesmith.model.cuda_targets import nvcc_targets, torch_arch_list_targets

    name, line = rc.name, rc.line  # type: ignore[attr-defined]
    if name == "nvcc":
        targets = nvcc_targets(rc.argv)  # type: ignore[attr-defined]
        what = f"nvcc (line {line})"
    elif _EXTENSION_BUILDS.match(name) and rc.var("TORCH_CUDA_ARCH_LIST") is not None:  # type: ignore[attr-defined]
        targets = torch_arch_list_targets(rc.var("TORCH_CUDA_ARCH_LIST"))  # type: ignore[attr-defined]
        what = f"TORCH_CUDA_ARCH_LIST={rc.var('TORCH_CUDA_ARCH_LIST')} for `{name}` (line {line})"  # type: ignore[attr-defined]
    else:
        return
    stack.built_code.append(
        BuiltCode(what, targets.sass, targets.ptx, targets.unknown, line)
    )


def _apply_wheel_urls(stack: GpuStack, rc: object) -> None:
    for word in rc.argv:  # type: ignore[attr-defined]
        if not word.endswith(".whl") or "://" not in word:
            continue
        m = _WHEEL.search(word)
        if not m:
            continue
        variant, dist, ver = m.group(1), m.group(2).replace("_", "-"), m.group(3)
        if K.package_build(dist, ver) is None:
            continue
        local = V.try_parse(ver)
        if local is not None and local.local:
            variant = str(local.local)
            ver = local.base_version
        _add_framework(
            stack, Framework(dist, ver, rc.line, variant, source=f"wheel URL (line {rc.line})")
        )  # type: ignore[attr-defined]


def stack_from_dockerfile(path: Path, profile: Profile) -> GpuStack:
    from imagesmith.model import model_for

    text = path.read_text(encoding="utf-8", errors="replace")
    parsed = model_for(text, str(path), profile, context_dir=path.parent)
    return stack_from_parsed(parsed, profile, path.parent)
