#!/usr/bin/env python3
"""Build local emulations of the cluster's catalog images under their real names.

Reads the bundled profile, so the emulations carry exactly the ENV, CUDA/cuDNN
version files, dpkg entries and Python package metadata that imagesmith
expects of the real images (metadata only: no real frameworks). Skips images
that already exist with the same content label, so it is cheap to run again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import textwrap
from pathlib import Path

from imagesmith.core.profile import CatalogImage, load_profile
from imagesmith.engine import Engine

# pip distribution name -> importable top-level name, where they differ.
TOP_LEVEL = {
    "tensorflow-gpu": "tensorflow",
    "mxnet-cu90": "mxnet",
    "cntk-gpu": "cntk",
    "scikit-learn": "sklearn",
    "scikit-image": "skimage",
    "pillow": "PIL",
    "pyyaml": "yaml",
    "protobuf": "google",
    "keras": "keras",
    "theano": "theano",
}
# Real copies of these live in the Debian base; fake metadata would break pip.
SKIP = {"pip", "setuptools", "wheel"}
# Installed for real (pinned) on the Python 2.7 emulation: what users pip-install there imports
# them (tqdm -> pathlib2 -> six.PY2), so a metadata-only copy would break real packages.
REAL_ON_PY27 = {"six"}
SITE = "/usr/local/lib/python3.11/dist-packages"
# Images whose real Python is 2.7 are emulated on --base-py27 (Debian bullseye's python2.7).
SITE_PY27 = "/usr/local/lib/python2.7/dist-packages"


def is_py27(img: CatalogImage) -> bool:
    return (img.python_version or "").startswith("2.")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_files(name: str, version: str, cuda: str | None) -> dict[str, str]:
    top = TOP_LEVEL.get(normalise(name), re.sub(r"[-.]", "_", normalise(name)))
    dist = f"{re.sub(r'[-.]', '_', name)}-{version}.dist-info"
    files = {
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        "Summary: metadata-only emulation for imagesmith tests\n",
        f"{dist}/top_level.txt": f"{top}\n",
        f"{dist}/INSTALLER": "pip\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: imagesmith-emulation\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    init = f"__version__ = {version!r}\n"
    if top == "google":
        files["google/protobuf/__init__.py"] = init
        files["google/__init__.py"] = ""
    else:
        files[f"{top}/__init__.py"] = init
    if top == "torch":
        files["torch/version.py"] = f"__version__ = {version!r}\ncuda = {cuda!r}\ndebug = False\n"
        files["torch/__init__.py"] = "from torch.version import __version__\n"
    if top == "tensorflow":
        files["tensorflow/__init__.py"] = f"__version__ = {version!r}\nVERSION = __version__\n"
    files[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in sorted(files)) + f"{dist}/RECORD,,\n"
    return files


def dpkg_stanzas(img: CatalogImage) -> str:
    out = []
    if img.cuda:
        mm = "-".join(img.cuda.split(".")[:2])
        for pkg in (f"cuda-cudart-{mm}", f"cuda-libraries-{mm}"):
            out.append((pkg, f"{img.cuda}-1"))
    if img.cudnn:
        major = img.cudnn.split(".")[0]
        cuda_mm = ".".join((img.cuda or "0.0").split(".")[:2])
        out.append((f"libcudnn{major}", f"{img.cudnn}-1+cuda{cuda_mm}"))
    nccl = img.env.get("NCCL_VERSION")
    if nccl:
        out.append(("libnccl2", f"{nccl}-1+cuda{'.'.join((img.cuda or '0.0').split('.')[:2])}"))
    return "".join(
        f"Package: {p}\nStatus: install ok installed\nPriority: optional\nSection: libs\n"
        f"Maintainer: cudatools <cudatools@nvidia.com>\nArchitecture: amd64\nVersion: {v}\n"
        f"Description: metadata-only emulation of {p}\n\n"
        for p, v in out
    )


def build_context(img: CatalogImage, base: str, root: Path) -> str:
    files: dict[str, str] = {}
    real = {n: v for n, v in img.packages.items() if is_py27(img) and normalise(n) in REAL_ON_PY27}
    for name, version in img.packages.items():
        if normalise(name) in SKIP or name in real:
            continue
        for rel, text in dist_files(name, version, img.cuda).items():
            files[f"site/{rel}"] = text
    if img.cuda:
        mm = ".".join(img.cuda.split(".")[:2])
        files[f"cuda/cuda-{mm}/version.txt"] = f"CUDA Version {img.cuda}\n"
    if img.cudnn:
        major, minor, patch = (img.cudnn.split(".") + ["0", "0"])[:3]
        files["include/cudnn.h"] = (
            f"#define CUDNN_MAJOR {major}\n#define CUDNN_MINOR {minor}\n#define CUDNN_PATCHLEVEL {patch}\n"
            "#define CUDNN_VERSION (CUDNN_MAJOR * 1000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)\n"
        )
    nccl = img.env.get("NCCL_VERSION")
    if nccl:
        n = (nccl.split("-")[0].split(".") + ["0", "0"])[:3]
        files["include/nccl.h"] = f"#define NCCL_MAJOR {n[0]}\n#define NCCL_MINOR {n[1]}\n#define NCCL_PATCH {n[2]}\n"
    files["dpkg-status"] = dpkg_stanzas(img)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    env_lines = "".join(f"ENV {k}={json.dumps(v)}\n" for k, v in img.env.items())
    steps = [f"FROM {base}", "COPY site/ " + (SITE_PY27 if is_py27(img) else SITE) + "/"]
    if img.cuda:
        mm = ".".join(img.cuda.split(".")[:2])
        steps.append("COPY cuda/ /usr/local/")
        steps.append(f"RUN ln -s /usr/local/cuda-{mm} /usr/local/cuda")
    if "include/cudnn.h" in files or "include/nccl.h" in files:
        steps.append("COPY include/ /usr/include/")
    if img.cudnn:
        major = img.cudnn.split(".")[0]
        steps.append(f"RUN touch /usr/lib/x86_64-linux-gnu/libcudnn.so.{img.cudnn} "
                     f"&& ln -s libcudnn.so.{img.cudnn} /usr/lib/x86_64-linux-gnu/libcudnn.so.{major}")
    if real:
        pins = " ".join(f"{n}=={v}" for n, v in sorted(real.items()))
        steps.append(f"RUN pip install -q --no-cache-dir {pins}")
    steps.append("COPY dpkg-status /tmp/dpkg-status")
    steps.append("RUN cat /tmp/dpkg-status >> /var/lib/dpkg/status && rm /tmp/dpkg-status")
    interpreter = "/usr/bin/python2.7" if is_py27(img) else "/usr/bin/python3"
    if img.python != interpreter:
        steps.append(f"RUN ln -sf {interpreter} {img.python}")
    steps.append(textwrap.dedent(f"""\
        LABEL org.imagesmith.emulates="{img.name}" \\
              com.nvidia.cuda.version="{img.cuda or ''}" \\
              com.nvidia.cudnn.version="{img.cudnn or ''}\""""))
    dockerfile = "\n".join(steps) + "\n" + env_lines
    (root / "Dockerfile").write_text(dockerfile)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    digest.update(base.encode())
    return digest.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="imagesmith/debian:bookworm")
    parser.add_argument("--base-py27", default="imagesmith/debian:bullseye-py27",
                        help="base for catalog images whose python_version is 2.x")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    profile = load_profile(args.profile)
    with Engine.connect() as eng:
        for img in profile.catalog:
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                content = build_context(img, args.base_py27 if is_py27(img) else args.base, root)
                ref = img.name if ":" in img.name.rsplit("/", 1)[-1] else img.name + ":latest"
                if not args.force and eng.image_exists(ref):
                    labels = eng.inspect_image(ref).get("Config", {}).get("Labels") or {}
                    if labels.get("org.imagesmith.content") == content:
                        continue
                print(f"[test-env] building emulation {ref}", flush=True)
                for event in eng.build(root, tag=ref, labels={"org.imagesmith.content": content}):
                    if event.kind == "error":
                        print(f"[test-env] error: building {ref}: {event.text}", file=sys.stderr)
                        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
