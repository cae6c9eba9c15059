"""The verdict engine: does a GpuStack run on one node group, and why (or why not).

`assess(stack, group)` returns `Issue`s tagged with the rule code that reports them
(IS401..IS406); the compat service turns them into a per-group verdict and the lint rules
pick the issues of their own code. An issue resting on an uncertain (U) fact is never a
failure: it is downgraded to a caveat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from packaging.version import Version

from imagesmith.compat import knowledge as K
from imagesmith.compat.knowledge import FrameworkBuild
from imagesmith.compat.require import Host, RequireSyntaxError, evaluate, requirements_from_env
from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.core.profile import NodeGroup

FAIL = "fail"
CAVEAT = "caveat"
OK = "ok"

RUNS = "runs"
CAVEATS = "runs-with-caveats"
FAILS = "fails"


@dataclass(frozen=True)
class Issue:
    code: str  # IS401..IS406
    kind: str  # fail | caveat | ok
    message: str
    confidence: str = "V"
    line: int | None = None
    source: str = ""


def _issue(
    code: str,
    kind: str,
    message: str,
    fact_conf: str = "V",
    line: int | None = None,
    source: str = "",
) -> Issue:
    if kind == FAIL and fact_conf == "U":
        return Issue(
            code,
            CAVEAT,
            message + " (unverified data: a warning, not a failure)",
            "U",
            line,
            source,
        )
    return Issue(code, kind, message, fact_conf, line, source)


def driver_label(group: NodeGroup) -> str:
    return f"node driver {group.driver} ({group.driver_source})"


def framework_builds(stack: GpuStack) -> list[tuple[Framework, FrameworkBuild]]:
    out = []
    for fw in stack.frameworks:
        if K.normalise(fw.name) == "torch" and fw.variant:
            build = K.torch_build(fw.version, fw.variant) if fw.version else None
        else:
            build = K.package_build(fw.name, fw.version)
        if build is not None:
            out.append((fw, build))
    return out


# -- driver -------------------------------------------------------------------------


def _gpu_fact(group: NodeGroup) -> K.GpuFact | None:
    return K.gpu_by_name(group.gpu)


def _data_center(group: NodeGroup) -> bool:
    fact = _gpu_fact(group)
    if fact is not None:
        return fact.data_center
    return group.brand.lower() in K.forward_compat_brands().value


def _branch_supports_gpu(cuda: str, group: NodeGroup) -> bool:
    """Forward compatibility ships the libcuda of the toolkit's driver branch; that branch must
    still support the GPU (Kepler's last branch is R470)."""
    fact = _gpu_fact(group)
    need = K.min_driver_for(cuda)
    if fact is None or need is None or not fact.last_driver_branch.startswith("R"):
        return True
    return Version(need.value).major <= int(fact.last_driver_branch[1:])


def check_driver(
    cuda: str, what: str, stack: GpuStack, group: NodeGroup, line: int | None
) -> tuple[list[Issue], bool]:
    """Issues for one CUDA runtime; the flag says whether it runs only by minor-version compat."""
    need = K.min_driver_for(cuda)
    if need is None:
        return [
            _issue(
                "IS401",
                CAVEAT,
                f"{what}: CUDA {cuda} is not in the driver table; cannot check the driver",
                "U",
                line,
            )
        ], False
    have = K.try_version(group.driver)
    if have is None:
        return [], False
    chain = f"{what} → needs driver ≥ {need.value} → {driver_label(group)}"
    if have >= Version(need.value):
        return [
            _issue("IS401", OK, f"{chain} is new enough", need.confidence, line, need.source)
        ], False
    major = Version(K.major_minor(cuda)).major
    floor = K.minor_version_floor(major)
    if floor is not None and have >= Version(floor.value):
        msg = (
            f"{chain} is older; it runs only through CUDA {major}.x minor-version compatibility "
            f"(driver ≥ {floor.value}): no PTX JIT, some calls return cudaErrorCallRequiresNewerDriver"
        )
        issues = [
            _issue(
                "IS401",
                CAVEAT,
                msg,
                K.min_conf(need.confidence, floor.confidence),
                line,
                floor.source,
            )
        ]
        report = K.kepler_compat_report()
        if (
            stack.cuda_compat
            and group.compute_capability.startswith("3.")
            and Version(K.major_minor(cuda)) >= Version(report.value)
        ):
            issues.append(
                _issue(
                    "IS401",
                    CAVEAT,
                    f"users report that Kepler GPUs fail with the cuda-compat libraries of "
                    f"CUDA ≥ {report.value} NVIDIA images (cudaErrorNoDevice); test on a {group.gpu} node",
                    report.confidence,
                    line,
                    report.source,
                )
            )
        return issues, True
    issues = [_issue("IS401", FAIL, f"{chain} is older", need.confidence, line, need.source)]
    if Version(K.major_minor(cuda)) >= Version("10.0"):
        if not _data_center(group):
            if stack.cuda_compat:
                fc = K.forward_compat_brands()
                issues.append(
                    _issue(
                        "IS405",
                        FAIL,
                        f"the image's cuda-compat libraries cannot help on {group.gpu}: "
                        "CUDA forward compatibility works on data-center GPUs only, not GeForce",
                        fc.confidence,
                        line,
                        fc.source,
                    )
                )
        elif stack.cuda_compat:
            if _branch_supports_gpu(cuda, group):
                issues = [
                    _issue(
                        "IS401",
                        CAVEAT,
                        f"{chain} is older; it can run only through the image's cuda-compat "
                        "forward-compatibility libraries (data-center GPU)",
                        need.confidence,
                        line,
                    )
                ]
            else:
                issues.append(
                    _issue(
                        "IS401",
                        FAIL,
                        f"forward compatibility cannot help: the driver branch of CUDA {cuda} "
                        f"(≥ {need.value}) no longer supports {group.gpu}",
                        "D",
                        line,
                    )
                )
    return issues, False


# -- architecture -----------------------------------------------------------------------


def check_toolkit_arch(cuda: str, what: str, group: NodeGroup, line: int | None) -> list[Issue]:
    fact = K.toolkit_targets(cuda, group.compute_capability)
    if fact is None or fact.value is None:
        return []
    if fact.value:
        return [
            _issue(
                "IS402",
                OK,
                f"{what}: CUDA {K.major_minor(cuda)} can build code for {group.sm}",
                fact.confidence,
                line,
            )
        ]
    family = K.architecture_name(group.compute_capability)
    return [
        _issue(
            "IS402",
            FAIL,
            f"{what}: CUDA {K.major_minor(cuda)} has no {group.sm} code "
            f"({family} is not a target of that toolkit) → cannot run on {group.gpu}",
            fact.confidence,
            line,
            fact.source,
        )
    ]


def check_framework_arch(
    fw: Framework, build: FrameworkBuild, group: NodeGroup, ptx_jit: bool
) -> list[Issue]:
    if build.arch is None:
        if build.cuda and not build.cuda.endswith(".x") and not build.needs_nvcc:
            return check_toolkit_arch(
                build.cuda, f"{build.label()} is built with CUDA {build.cuda}", group, fw.line
            )
        return []
    runs = build.arch.runs_on(group.compute_capability, ptx_jit=ptx_jit)
    desc = f"{build.label()}{' default wheel' if build.default_wheel else ''}"
    if runs is None:
        return []
    if runs:
        return [
            _issue("IS402", OK, f"{desc} carries code for {group.sm}", build.confidence, fw.line)
        ]
    jit_note = (
        " (its PTX needs a JIT, which minor-version compatibility does not have)"
        if build.arch.ptx and not ptx_jit
        else ""
    )
    return [
        _issue(
            "IS402",
            FAIL,
            f"{desc} carries {build.arch.describe()}: no {group.sm} code for {group.gpu}{jit_note}",
            build.confidence,
            fw.line,
            build.source,
        )
    ]


# -- framework vs image CUDA / cuDNN --------------------------------------------------------


def check_framework_cuda(fw: Framework, build: FrameworkBuild, stack: GpuStack) -> list[Issue]:
    if build.bundles_cuda or build.cuda is None:
        return []
    need = f"{build.label()} needs CUDA {build.cuda}" + (
        f" / cuDNN {build.cudnn}" if build.cudnn else ""
    )
    if stack.cuda is None:
        return [
            _issue(
                "IS403",
                CAVEAT,
                f"{need}, and no CUDA runtime was found in the image",
                build.confidence,
                fw.line,
            )
        ]
    image = K.major_minor(stack.cuda)
    if build.cuda.endswith(".x"):
        ok = image.split(".")[0] == build.cuda.split(".")[0]
    elif Version(image).major >= 11 and Version(build.cuda).major >= 11:
        ok = Version(image).major == Version(build.cuda).major and Version(image) >= Version(
            build.cuda
        )
    else:
        ok = image == K.major_minor(build.cuda)
    if ok:
        return [
            _issue(
                "IS403", OK, f"{need}; the image has CUDA {stack.cuda}", build.confidence, fw.line
            )
        ]
    return [
        _issue(
            "IS403",
            FAIL,
            f"{need} but the image has CUDA {stack.cuda}{_from(stack.cuda_source)}",
            build.confidence,
            fw.line,
            build.source,
        )
    ]


def check_cudnn(fw: Framework, build: FrameworkBuild, stack: GpuStack) -> list[Issue]:
    if build.bundles_cuda or not build.cudnn or not stack.cudnn:
        return []
    want, have = build.cudnn.split("."), stack.cudnn.split(".")
    if stack.base_cudnn and stack.base_cudnn.split(".")[0] != want[0] and have[0] == want[0]:
        return [
            _issue(
                "IS404",
                CAVEAT,
                f"{build.label()} needs cuDNN {build.cudnn}; the base image has cuDNN {stack.base_cudnn}, "
                f"and cuDNN {stack.cudnn} comes only from {stack.cudnn_source.removeprefix('archive ')}: "
                "check that the archive's libraries land where the loader finds them",
                "D",
                fw.line,
            )
        ]
    label = f"{build.label()} is built against cuDNN {build.cudnn}"
    if want[0] != have[0]:
        return [
            _issue(
                "IS404",
                FAIL,
                f"{label} but the image has cuDNN {stack.cudnn}{_from(stack.cudnn_source)}",
                build.confidence,
                fw.line,
                build.source,
            )
        ]
    if len(want) > 1 and len(have) > 1 and int(have[1]) < int(want[1]):
        return [
            _issue(
                "IS404",
                CAVEAT,
                f"{label}; the image's cuDNN {stack.cudnn} is an older minor release",
                build.confidence,
                fw.line,
            )
        ]
    return []


def _from(source: str) -> str:
    return f" ({source})" if source else ""


def _differ(stated: str, actual: str) -> bool:
    """Compare at the precision both give (ENV `5` matches cuDNN 5.1; `5.0` does not)."""
    a, b = stated.split("."), actual.split(".")
    n = min(len(a), len(b), 2)
    return a[:n] != b[:n]


def check_stated_cudnn(stack: GpuStack) -> list[Issue]:
    if stack.stated_cudnn and stack.cudnn and _differ(stack.stated_cudnn, stack.cudnn):
        return [
            _issue(
                "IS404",
                CAVEAT,
                f"ENV CUDNN_VERSION says {stack.stated_cudnn} but the image's cuDNN is "
                f"{stack.cudnn}{_from(stack.cudnn_source)}: `docker inspect` will not tell the truth",
                "V",
                stack.cudnn_line,
            )
        ]
    return []


# -- NVIDIA_REQUIRE_* ------------------------------------------------------------------


def host_of(group: NodeGroup) -> Host:
    return Host(
        cuda=K.driver_cuda_version(group.driver) or "0.0",
        driver=group.driver,
        arch=group.compute_capability,
        brand=group.brand,
    )


def check_require(stack: GpuStack, group: NodeGroup) -> list[Issue]:
    env = dict(stack.env)
    if stack.nvidia_require is not None:
        env["NVIDIA_REQUIRE_CUDA"] = stack.nvidia_require
    host = host_of(group)
    issues = []
    for name, expr in requirements_from_env(env).items():
        try:
            result = evaluate(expr, host)
        except RequireSyntaxError as exc:
            issues.append(
                _issue(
                    "IS406",
                    FAIL,
                    f"{name}={expr!r} is not a valid requirement ({exc}): "
                    "the container runtime refuses to start it",
                    "V",
                    stack.require_line,
                )
            )
            continue
        short = expr if len(expr) <= 60 else expr[:57] + "..."
        facts = f"driver {group.driver} ({group.driver_source}, CUDA {host.cuda}), brand {host.brand}, arch {host.arch}"
        if result.satisfied:
            issues.append(
                _issue("IS406", OK, f"{name} {short!r} holds on {facts} via {result.matched!r}")
            )
        else:
            issues.append(
                _issue(
                    "IS406",
                    FAIL,
                    f"{name} {short!r} is not satisfied by {facts}: "
                    "nvidia-container-cli refuses to start the container",
                    line=stack.require_line,
                )
            )
    return issues


# -- all together -----------------------------------------------------------------------


def _assess_builds(
    stack: GpuStack, group: NodeGroup, builds: list[tuple[Framework, FrameworkBuild]]
) -> list[Issue]:
    issues: list[Issue] = []
    minor_compat = False
    if stack.cuda:
        found, mc = check_driver(
            stack.cuda, f"the image's CUDA {stack.cuda}", stack, group, stack.cuda_line
        )
        issues += found
        minor_compat |= mc
        issues += check_toolkit_arch(
            stack.cuda, "the image's CUDA libraries", group, stack.cuda_line
        )
    for fw, build in builds:
        if build.bundles_cuda and build.cuda and not build.cuda.endswith(".x"):
            what = f"{build.label()}{' default wheel' if build.default_wheel else ''} is built for CUDA {build.cuda}"
            found, mc = check_driver(build.cuda, what, stack, group, fw.line)
            issues += found
            minor_compat |= mc
    for fw, build in builds:
        issues += check_framework_arch(fw, build, group, ptx_jit=not minor_compat)
        issues += check_framework_cuda(fw, build, stack)
        issues += check_cudnn(fw, build, stack)
        for note in build.notes:
            if (
                build.confidence == "U"
                and build.framework in ("torch", "tensorflow")
                and build.cuda is None
            ):
                issues.append(_issue("IS403", CAVEAT, f"{build.label()}: {note}", "U", fw.line))
    issues += check_stated_cudnn(stack)
    issues += check_require(stack, group)
    return issues


def _clean(stack: GpuStack) -> tuple[GpuStack, list[Issue]]:
    """Drop versions that are not versions (`$CUDA`, template text), saying so."""
    notes = []
    changes: dict[str, None] = {}
    for attr in ("cuda", "cudnn", "stated_cudnn"):
        value = getattr(stack, attr)
        if value is not None and not re.fullmatch(r"\d+(\.\d+)*", value):
            changes[attr] = None
            if attr != "stated_cudnn":
                notes.append(
                    _issue(
                        "IS403",
                        CAVEAT,
                        f"the {attr} version {value!r} is not understood; not checked",
                        "U",
                    )
                )
    return (replace(stack, **changes) if changes else stack), notes


def assess(stack: GpuStack, group: NodeGroup) -> list[Issue]:
    """Every finding (fail, caveat and ok) of `stack` on `group`."""
    stack, notes = _clean(stack)
    builds = framework_builds(stack)
    issues = notes + _assess_builds(stack, group, [(f, b) for f, b in builds if not b.alternatives])
    for fw, build in builds:
        if build.alternatives:
            issues += _assess_alternatives(stack, group, fw, build)
    return _dedupe(issues)


def _assess_alternatives(
    stack: GpuStack, group: NodeGroup, fw: Framework, build: FrameworkBuild
) -> list[Issue]:
    """A build whose flavour is unknown (torch's PyPI default of some releases): it fails only when
    every possible flavour fails, runs with caveats when some would run."""
    results = []
    for alt in build.alternatives:
        found = _assess_builds(
            GpuStack(cuda=stack.cuda, cudnn=stack.cudnn, env={}, cuda_compat=stack.cuda_compat),
            group,
            [(fw, alt)],
        )
        results.append((alt, [i for i in found if i.kind != OK]))
    failing = [(a, f) for a, f in results if any(i.kind == FAIL for i in f)]
    variants = ", ".join(a.variant or "?" for a in build.alternatives)
    if len(failing) == len(results) and results:
        first = failing[0][1][0]
        return [
            Issue(
                first.code,
                FAIL,
                f"{build.label()}: every flavour ({variants}) fails here; e.g. {first.message}",
                "D",
                fw.line,
            )
        ]
    if failing:
        runs = [a.variant for a, f in results if not any(i.kind == FAIL for i in f)]
        return [
            Issue(
                "IS403",
                CAVEAT,
                f"{build.label()}: which CUDA flavour PyPI serves is unverified; "
                f"{', '.join(runs)} would run here, {', '.join(a.variant or '?' for a, _ in failing)} would not "
                f"(pin one with +cuXYZ)",
                "U",
                fw.line,
            )
        ]
    return [
        Issue("IS403", OK, f"{build.label()}: every flavour ({variants}) runs here", "D", fw.line)
    ]


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for i in issues:
        key = (i.code, i.kind, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def verdict_of(issues: list[Issue]) -> str:
    kinds = {i.kind for i in issues}
    if FAIL in kinds:
        return FAILS
    if CAVEAT in kinds:
        return CAVEATS
    return RUNS
