"""The verdict engine: does a GpuStack run on one node group, and why (or why not).

`assess(stack, group)` returns `Issue`s tagged with the rule code that reports them
(IS401..IS406); the compat service turns them into a per-group verdict and the lint rules
pick the issues of their own code. An issue resting on an uncertain (U) fact is never a
failure: it is downgraded to a caveat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from packaging.version import Version

from imagesmith.compat import knowledge as K
from imagesmith.compat.knowledge import FrameworkBuild
from imagesmith.compat.require import Host, RequireSyntaxError, evaluate, requirements_from_env
from imagesmith.compat.compat_package import compat_package_effect
from imagesmith.compat.device_code import SOURCE as DEVICE_CODE_SOURCE
from imagesmith.compat.device_code import code_for_gpu
from imagesmith.compat.fact_verdict import FactVerdict
from imagesmith.compat.jax import jax_build
from imagesmith.compat.stack import Framework, GpuStack
from imagesmith.compat.tf_cudnn import tf_build, tf_cudnn_check
from imagesmith.compat.wheels import wheel_for_release
from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import NodeGroup

class Kind(StrEnum):
    """What one issue means for a node group."""

    FAIL = "fail"
    UNKNOWN = "unknown"  # a GPU-relevant fact could not be resolved: never a pass
    CAVEAT = "caveat"
    OK = "ok"


class Verdict(StrEnum):
    RUNS = "runs"
    CAVEATS = "runs-with-caveats"
    UNKNOWN = "unknown"
    FAILS = "fails"


class Cause(StrEnum):
    """Why an issue was raised, for consumers that act on it (never match message text)."""

    OTHER = "other"
    DRIVER = "driver"  # the node's driver is too old for a CUDA runtime
    ARCH = "arch"  # no device code for the GPU
    FRAMEWORK_CUDA = "framework-cuda"
    CUDNN = "cudnn"
    STATED_CUDNN = "stated-cudnn"  # ENV CUDNN_VERSION disagrees with the image's cuDNN
    REQUIRE = "require"  # NVIDIA_REQUIRE_*
    FORWARD_COMPAT = "forward-compat"
    NO_WHEEL = "no-wheel"  # pip cannot install the framework for the image's Python
    UNRESOLVED = "unresolved"  # a fact that could not be resolved (the reason says which)


FAIL = Kind.FAIL
CAVEAT = Kind.CAVEAT
OK = Kind.OK
UNKNOWN = Kind.UNKNOWN

RUNS = Verdict.RUNS
CAVEATS = Verdict.CAVEATS
FAILS = Verdict.FAILS
UNKNOWN_VERDICT = Verdict.UNKNOWN


@dataclass(frozen=True)
class Issue:
    code: str  # IS401..IS406
    kind: Kind
    message: str
    confidence: str = "V"
    line: int | None = None
    source: str = ""
    cause: Cause = Cause.OTHER
    subject: str = ""  # the framework (pip name) the issue is about, when it is about one


def _issue(
    code: str,
    kind: Kind,
    message: str,
    fact_conf: str = "V",
    line: int | None = None,
    source: str = "",
    cause: Cause = Cause.OTHER,
    subject: str = "",
) -> Issue:
    if kind == FAIL and fact_conf == "U":
        return Issue(
            code,
            CAVEAT,
            message + " (unverified data: a warning, not a failure)",
            "U",
            line,
            source,
            cause,
            subject,
        )
    return Issue(code, kind, message, fact_conf, line, source, cause, subject)


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
        effect = _compat_package(cuda, stack, group)
        if effect is not None and effect.kind != "runs":
            issues.append(
                _issue(
                    "IS405",
                    FAIL if effect.kind == "fails" else UNKNOWN,
                    f"the image's cuda-compat package: {effect.reason}",
                    effect.confidence,
                    line,
                    effect.source,
                    cause=Cause.FORWARD_COMPAT,
                )
            )
            return issues, True
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


def _compat_package(cuda: str, stack: GpuStack, group: NodeGroup) -> FactVerdict | None:
    """What the image's cuda-compat libraries do on this node (libnvidia-container mounts
    them whenever their driver major is above the host's, whatever the GPU brand)."""
    if not stack.cuda_compat:
        return None
    gpu = _gpu_fact(group)
    try:
        return compat_package_effect(
            cuda, True, group.driver, group.brand,
            gpu_last_branch=gpu.last_driver_branch if gpu else None,
        )
    except (ValueError, UserInputError):
        return None


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


def _tf_cudnn(fw: Framework, stack: GpuStack) -> list[Issue] | None:
    """TensorFlow's own runtime cuDNN check (None: not a TensorFlow GPU build we know)."""
    key = K.normalise(fw.name)
    if key not in ("tensorflow", "tensorflow-gpu") or not fw.version or not stack.cudnn:
        return None
    if tf_build(key, fw.version) is None:
        return None
    verdict = tf_cudnn_check(key, fw.version, stack.cudnn)
    kind = {"runs": OK, "fails": FAIL}.get(verdict.kind, UNKNOWN)
    return [
        _issue("IS404", kind, f"{fw.name} {fw.version}: {verdict.reason}", verdict.confidence,
               fw.line, verdict.source, cause=Cause.CUDNN, subject=fw.name)
    ]


def check_cudnn(fw: Framework, build: FrameworkBuild, stack: GpuStack) -> list[Issue]:
    if build.bundles_cuda or not build.cudnn or not stack.cudnn:
        return []
    tf = _tf_cudnn(fw, stack)
    if tf is not None and not stack.base_cudnn:
        return tf
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
                cause=Cause.STATED_CUDNN,
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


def _tag(issues: list[Issue], cause: Cause, subject: str = "") -> list[Issue]:
    return [
        replace(i, cause=i.cause if i.cause is not Cause.OTHER else cause, subject=i.subject or subject)
        for i in issues
    ]


def _as_assumed(fw: Framework, issues: list[Issue]) -> list[Issue]:
    """A catalog framework the profile only assumes: its failures are caveats."""
    if not fw.assumed:
        return issues
    return [
        replace(i, kind=CAVEAT, confidence="U",
                message=i.message + f" (rests on the catalog's assumed {fw.name} version: a "
                "warning, since the admins run this image on these nodes)")
        if i.kind == FAIL else i
        for i in issues
    ]


def _assess_builds(
    stack: GpuStack, group: NodeGroup, builds: list[tuple[Framework, FrameworkBuild]]
) -> list[Issue]:
    issues: list[Issue] = []
    minor_compat = False
    if stack.cuda:
        found, mc = check_driver(
            stack.cuda, f"the image's CUDA {stack.cuda}", stack, group, stack.cuda_line
        )
        issues += _tag(found, Cause.DRIVER)
        minor_compat |= mc
        if not any(c.from_binary for c in stack.built_code):  # the binaries decide when read
            issues += _tag(
                check_toolkit_arch(stack.cuda, "the image's CUDA libraries", group, stack.cuda_line),
                Cause.ARCH,
            )
    for fw, build in builds:
        if build.bundles_cuda and build.cuda and not build.cuda.endswith(".x"):
            what = f"{build.label()}{' default wheel' if build.default_wheel else ''} is built for CUDA {build.cuda}"
            found, mc = check_driver(build.cuda, what, stack, group, fw.line)
            issues += _as_assumed(fw, _tag(found, Cause.DRIVER, fw.name))
            minor_compat |= mc
    for fw, build in builds:
        found = _tag(check_framework_arch(fw, build, group, ptx_jit=not minor_compat), Cause.ARCH, fw.name)
        found += _tag(check_framework_cuda(fw, build, stack), Cause.FRAMEWORK_CUDA, fw.name)
        found += _tag(check_cudnn(fw, build, stack), Cause.CUDNN, fw.name)
        issues += _as_assumed(fw, found)
        for note in build.notes:
            if (
                build.confidence == "U"
                and build.framework in ("torch", "tensorflow")
                and build.cuda is None
            ):
                issues.append(_issue("IS403", CAVEAT, f"{build.label()}: {note}", "U", fw.line,
                                     subject=fw.name))
    issues += check_stated_cudnn(stack)
    issues += _tag(check_require(stack, group), Cause.REQUIRE)
    issues += check_built_code(stack, group, ptx_jit=not minor_compat)
    return issues


def _clean(stack: GpuStack) -> tuple[GpuStack, list[Issue]]:
    """Drop versions that are not versions (`$CUDA`, template text), saying so."""
    notes = []
    changes: dict[str, None] = {}
    for attr in ("cuda", "cudnn", "stated_cudnn"):
        value = getattr(stack, attr)
        if value is not None and (
            not re.fullmatch(r"\d{1,6}(\.\d{1,9}){0,4}", value)
        ):
            changes[attr] = None
            if attr != "stated_cudnn":
                notes.append(
                    _issue(
                        "IS403",
                        UNKNOWN,
                        f"the {attr} version {value!r} is not understood, so nothing that "
                        f"depends on it could be checked",
                        "U",
                        cause=Cause.UNRESOLVED,
                    )
                )
    return (replace(stack, **changes) if changes else stack), notes


_WHEEL_PACKAGES = ("torch", "torchvision", "tensorflow", "tensorflow-gpu", "jax", "jaxlib")


def check_wheels(stack: GpuStack) -> list[Issue]:
    """A pinned framework pip cannot install for the image's Python fails before it runs."""
    if not stack.python:
        return []
    out = []
    for fw in stack.frameworks:
        key = K.normalise(fw.name)
        if fw.assumed or not fw.version or not fw.installed_by_pip or (
            key not in _WHEEL_PACKAGES and not key.startswith(("cupy", "mxnet"))
        ):
            continue
        version = fw.version + (f"+{fw.variant}" if fw.variant and "+" not in fw.version
                                and fw.variant.startswith("cu") and key == "torch" else "")
        found = wheel_for_release(fw.name, version, stack.python)
        if found.kind == "no":
            kind = FAIL if found.is_failure else CAVEAT
            out.append(_issue(
                "IS403", kind,
                f"pip cannot install {fw.name}=={fw.version} on the image's Python "
                f"{stack.python}: {found.reason}", found.confidence, fw.line, found.source,
                cause=Cause.NO_WHEEL, subject=fw.name))
    return out


def check_built_code(stack: GpuStack, group: NodeGroup, ptx_jit: bool) -> list[Issue]:
    """Device code the build compiles itself: is there code for this node's GPU?"""
    out = []
    for code in stack.built_code:
        if code.unknown and not (code.sass or code.ptx):
            out.append(_issue("IS402", UNKNOWN, f"{code.what}: {code.unknown}", "U", code.line,
                              cause=Cause.UNRESOLVED))
            continue
        found = code_for_gpu(code.sass, code.ptx, group.compute_capability, ptx_jit=ptx_jit)
        kind = OK if found.runs else (UNKNOWN if code.unknown else FAIL)
        out.append(_issue("IS402", kind, f"{code.what}: {found.reason}", "V", code.line,
                          DEVICE_CODE_SOURCE, cause=Cause.ARCH))
    return out


def check_jax(stack: GpuStack, group: NodeGroup) -> list[Issue]:
    out = []
    for fw in stack.frameworks:
        if not K.normalise(fw.name).startswith("jax"):
            continue
        facts = jax_build(fw.spec or fw.name, fw.version)
        if facts is None:
            continue
        verdict = facts.check(group.compute_capability, group.driver)
        kind = {"runs": OK, "fails": FAIL}.get(verdict.kind, UNKNOWN)
        if kind is FAIL and not verdict.is_failure:
            kind = CAVEAT
        out.append(_issue("IS401", kind, f"{fw.spec or fw.name}: {verdict.reason}",
                          verdict.confidence, fw.line, verdict.source, cause=Cause.ARCH,
                          subject=fw.name))
    return out


def _unresolved(stack: GpuStack) -> list[Issue]:
    """GPU-relevant facts nobody could resolve: each one makes the verdict unknown."""
    return [
        _issue(u.code, UNKNOWN, u.reason, "U", u.line, cause=Cause.UNRESOLVED, subject=u.subject)
        for u in stack.unknowns
    ]


def assess(stack: GpuStack, group: NodeGroup) -> list[Issue]:
    """Every finding (fail, unknown, caveat and ok) of `stack` on `group`."""
    stack, notes = _clean(stack)
    notes = _unresolved(stack) + notes + check_wheels(stack) + check_jax(stack, group)
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


def verdict_of(issues: list[Issue]) -> Verdict:
    """Fails beats unknown beats caveats: a known failure is a failure whatever else is
    unresolved; anything unresolved is never reported as running."""
    kinds = {i.kind for i in issues}
    if FAIL in kinds:
        return FAILS
    if UNKNOWN in kinds:
        return UNKNOWN_VERDICT
    if CAVEAT in kinds:
        return CAVEATS
    return RUNS
