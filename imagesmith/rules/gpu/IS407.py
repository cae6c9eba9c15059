"""IS407 gpu-needed-at-build: a RUN that needs a GPU, which `docker build` does not have."""

from __future__ import annotations

import re
from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc

# (pattern over the RUN text, what it is, severity when found)
_PATTERNS: tuple[tuple[re.Pattern[str], str, Severity], ...] = (
    (
        re.compile(r"(?<![\w-])nvidia-smi\b"),
        "nvidia-smi (not present without a GPU: the step fails)",
        Severity.ERROR,
    ),
    (re.compile(r"\bdeviceQuery\b"), "deviceQuery (needs a GPU)", Severity.ERROR),
    (
        re.compile(
            r"torch\.cuda\.(is_available|device_count|get_device_name|current_device|init)\b|\.cuda\(\)|"
            r"device=['\"]cuda"
        ),
        "a torch.cuda check or CUDA tensor (False / an error at build time)",
        Severity.WARNING,
    ),
    (
        re.compile(
            r"tf\.test\.(is_gpu_available|gpu_device_name)|list_physical_devices\(\s*['\"]GPU|"
            r"device_lib\.list_local_devices"
        ),
        "a TensorFlow GPU check (no GPU at build time)",
        Severity.WARNING,
    ),
    (
        re.compile(
            r"\bcupy\.(arange|array|zeros|ones|cuda)\b|numba\.cuda|pycuda\.autoinit|"
            r"\bmx\.gpu\(|\bchainer\.cuda\.get_device"
        ),
        "CUDA kernels compiled/run by JIT (no GPU at build time)",
        Severity.WARNING,
    ),
)


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for ins in parsed.of("RUN"):
        text = ins.shell_script if ins.shell_script is not None else " ".join(ins.value)
        for pattern, what, severity in _PATTERNS:
            m = pattern.search(text)
            if m:
                yield Hit(
                    f"RUN uses {what}: `docker build` runs without a GPU",
                    line=ins.line_of(m.group(0)),
                    severity=severity,
                    help="move GPU checks into a smoke test run on a GPU node (imagesmith verify / the "
                    "test node g101), and set TORCH_CUDA_ARCH_LIST when building CUDA extensions",
                    data={"match": m.group(0)},
                )


RULE = Rule(
    code="IS407",
    name="gpu-needed-at-build",
    severity=Severity.WARNING,
    group="gpu",
    doc=RuleDoc(
        what="A RUN step calls nvidia-smi, checks torch.cuda / TensorFlow GPUs, or runs CUDA code by JIT "
        "(cupy, numba.cuda, pycuda). Image builds have no GPU.",
        why="The admins build requests with plain `docker build` (guide step 4): no GPU, no driver; "
        "nvidia-smi is missing and GPU checks report no device.",
        example='RUN nvidia-smi && python -c "import torch; assert torch.cuda.is_available()"\n',
        instead='RUN python -c "import torch; print(torch.__version__)"\n',
        source="guide l.570-590; shared/reference/cuda-compat.md",
    ),
    check=check,
)
