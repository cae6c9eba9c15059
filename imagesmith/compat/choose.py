"""Choosing what runs: framework versions / wheel variants and catalog images that run on a
set of node groups. Stable API for the recipes helper (see docs/compat.md):

    framework_candidates(framework) -> list[Candidate]            newest first
    evaluate_candidate(candidate, groups, base=None) -> dict[group name, GroupVerdict]
    best_framework_version(framework, groups, base=None, allow_caveats=True) -> FrameworkChoice
    evaluate_framework(package, version, variant, groups, base=None) -> dict[group name, GroupVerdict]
    best_catalog_image(profile, groups, allow_caveats=True) -> CatalogChoice
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.version import Version

from imagesmith.compat import knowledge as K
from imagesmith.compat.catalog import stack_from_catalog
from imagesmith.compat.report import GroupVerdict, group_verdict
from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.compat.wheels import WheelKind, wheel_for_release
from imagesmith.compat.verdict import CAVEATS, FAILS, RUNS, UNKNOWN_VERDICT
from imagesmith.core.profile import CatalogImage, NodeGroup, Profile

TORCH_INDEX = "https://download.pytorch.org/whl/torch_stable.html"


@dataclass(frozen=True)
class Candidate:
    package: str  # pip name: torch, tensorflow-gpu, tensorflow
    version: str
    variant: str | None = None  # torch wheel flavour (cu102); None = the PyPI default

    @property
    def pin(self) -> str:
        return f"{self.version}+{self.variant}" if self.variant else self.version

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.pin}"

    @property
    def install(self) -> str:
        """A pip command line that installs exactly this build."""
        if self.variant and self.package == "torch":
            return f"pip install {self.requirement} -f {TORCH_INDEX}"
        return f"pip install {self.requirement}"


@dataclass
class FrameworkChoice:
    candidate: Candidate | None  # the newest that runs (or runs with caveats) on every group
    verdicts: dict[str, GroupVerdict]  # of that candidate; of the newest candidate when none fits
    status: str  # runs | runs-with-caveats | fails
    blockers: dict[str, list[str]] = field(
        default_factory=dict
    )  # group -> why the newest fails there
    best_per_group: dict[str, Candidate | None] = field(default_factory=dict)


@dataclass
class CatalogChoice:
    image: CatalogImage | None
    verdicts: dict[str, GroupVerdict]
    status: str


def _label_versions(label: str) -> list[str]:
    label = label.replace(" LTS", "").replace(".x", "")
    if "-" in label:
        lo, hi = label.split("-")
        major = lo.split(".")[0]
        return [f"{major}.{m}.0" for m in range(int(lo.split(".")[1]), int(hi.split(".")[1]) + 1)]
    return [label if label.count(".") == 2 else f"{label}.0"]


def framework_candidates(framework: str) -> list[Candidate]:
    """Every known build of `torch` or `tensorflow`, newest version first; for torch the CUDA
    variants of a release newest CUDA first."""
    key = K.normalise(framework)
    out: list[Candidate] = []
    if key in ("torch", "pytorch"):
        for row in K.data()["torch_releases"]:
            for ver in _label_versions(row["label"]):
                variants = sorted(row["variants"], key=lambda v: int(v[2:]), reverse=True)
                out += [Candidate("torch", ver, v) for v in variants]
    elif key in ("tensorflow", "tensorflow-gpu"):
        for row in K.data()["tensorflow_builds"]:
            out.append(
                Candidate(
                    "tensorflow-gpu" if Version(row["version"]) < Version("2.1") else "tensorflow",
                    row["version"],
                )
            )
    else:
        raise ValueError(f"no candidate list for {framework!r} (known: torch, tensorflow)")
    out.sort(key=lambda c: Version(c.version), reverse=True)
    return out


def _stack_for(candidate: Candidate, base: CatalogImage | None) -> GpuStack:
    stack = stack_from_catalog(base) if base is not None else GpuStack()
    names = {"torch"} if candidate.package == "torch" else {"tensorflow", "tensorflow-gpu"}
    stack.frameworks = [f for f in stack.frameworks if K.normalise(f.name) not in names]
    stack.frameworks.append(
        Framework(candidate.package, candidate.version, None, candidate.variant, source="candidate",
                  installed_by_pip=True)
    )
    if stack.python:
        # Advice is only offered when pip is known to install it for the image's Python.
        version = candidate.version + (
            f"+{candidate.variant}" if candidate.package == "torch" and candidate.variant
            and candidate.variant.startswith("cu") and "+" not in candidate.version else ""
        )
        found = wheel_for_release(candidate.package, version, stack.python)
        if found.kind == WheelKind.UNKNOWN:
            stack.unresolved(f"whether pip can install {candidate.package}=={version} on "
                             f"Python {stack.python} is not known: {found.reason}")
    if base is None and candidate.package != "torch":
        build = K.package_build(candidate.package, candidate.version)
        if (
            build is not None and build.cuda
        ):  # a TensorFlow needs its CUDA in the image: assume the matching one
            stack.cuda, stack.cudnn = build.cuda, build.cudnn
            stack.cuda_source = stack.cudnn_source = "assumed to match"
    return stack


def evaluate_candidate(
    candidate: Candidate, groups: Sequence[NodeGroup], base: CatalogImage | None = None
) -> dict[str, GroupVerdict]:
    """Verdict per group of `candidate` installed on `base` (None: on an image whose CUDA matches)."""
    stack = _stack_for(candidate, base)
    return {g.name: group_verdict(stack, g) for g in groups}


def evaluate_framework(
    package: str,
    version: str,
    variant: str | None,
    groups: Sequence[NodeGroup],
    base: CatalogImage | None = None,
) -> dict[str, GroupVerdict]:
    return evaluate_candidate(Candidate(package, version, variant), groups, base)


def _status(verdicts: dict[str, GroupVerdict]) -> str:
    kinds = {v.verdict for v in verdicts.values()}
    for verdict in (FAILS, UNKNOWN_VERDICT, CAVEATS):
        if verdict in kinds:
            return verdict
    return RUNS


def best_framework_version(
    framework: str,
    groups: Sequence[NodeGroup],
    base: CatalogImage | None = None,
    allow_caveats: bool = True,
    candidates: Sequence[Candidate] | None = None,
) -> FrameworkChoice:
    """The newest build that runs on every group (else, when allowed, the newest that runs with
    caveats); when none does, `blockers` says which group blocks the newest and why, and
    `best_per_group` the newest build for each group alone."""
    pool = list(candidates) if candidates is not None else framework_candidates(framework)
    evaluated = [(c, evaluate_candidate(c, groups, base)) for c in pool]
    for wanted in [RUNS, CAVEATS] if allow_caveats else [RUNS]:
        for cand, verdicts in evaluated:
            if _status(verdicts) == wanted:
                return FrameworkChoice(cand, verdicts, wanted)
    newest_verdicts = evaluated[0][1] if evaluated else {}
    blockers = {name: v.reasons for name, v in newest_verdicts.items() if v.verdict == FAILS}
    best = {
        g.name: next((c for c, v in evaluated if v[g.name].verdict != FAILS), None) for g in groups
    }
    return FrameworkChoice(None, newest_verdicts, FAILS, blockers, best)


def best_catalog_image(
    profile: Profile, groups: Sequence[NodeGroup], allow_caveats: bool = True
) -> CatalogChoice:
    """The first catalog image (profile order) that runs on every group."""
    evaluated = [
        (img, {g.name: group_verdict(stack_from_catalog(img), g) for g in groups})
        for img in profile.catalog
    ]
    for wanted in [RUNS, CAVEATS] if allow_caveats else [RUNS]:
        for img, verdicts in evaluated:
            if _status(verdicts) == wanted:
                return CatalogChoice(img, verdicts, wanted)
    return CatalogChoice(None, {}, FAILS)


def suggest(
    stack: GpuStack, groups: Sequence[NodeGroup], profile: Profile, verdicts: Sequence[GroupVerdict]
) -> str | None:
    """A concrete alternative that runs on every selected group, for a stack that does not."""
    if all(v.verdict == RUNS for v in verdicts):
        return None
    base = profile.find_image(stack.catalog_image) if stack.catalog_image else None
    blamed = _blamed_frameworks(stack, verdicts)
    for name in blamed:
        try:
            choice = best_framework_version(name, groups, base)
        except ValueError:
            continue
        if choice.candidate is not None:
            where = f" on {base.name}" if base is not None else ""
            return (
                f"use {choice.candidate.requirement}{where} ({choice.candidate.install}): {choice.status} on "
                f"{', '.join(g.name for g in groups)}"
            )
    cat = best_catalog_image(profile, groups)
    if cat.image is not None and cat.image.name != stack.catalog_image:
        return (
            f"base the image on {cat.image.name} (CUDA {cat.image.cuda or '-'}, cuDNN {cat.image.cudnn or '-'}): "
            f"{cat.status} on {', '.join(g.name for g in groups)}"
        )
    return None


def _blamed_frameworks(stack: GpuStack, verdicts: Sequence[GroupVerdict]) -> list[str]:
    blamed = {K.normalise(i.subject) for v in verdicts for i in v.issues if i.kind != "ok" and i.subject}
    names = []
    for fw in stack.frameworks:
        key = K.normalise(fw.name)
        if key in ("torch", "tensorflow", "tensorflow-gpu") and key in blamed:
            names.append("torch" if key == "torch" else "tensorflow")
    return list(dict.fromkeys(names))
