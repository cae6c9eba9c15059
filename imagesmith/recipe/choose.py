"""Pick the base image and framework build that run on every requested node group.

The compat engine lists the framework builds that exist (release + CUDA wheel variant,
newest first: `imagesmith.compat.choose.framework_candidates`); the recipe says which releases
it can install on which Python; the profile's catalog lists the base images. Whether an option
runs on a node group is decided by the compat engine, reached through the `evaluate` function
the service passes in. This module knows no CUDA, driver or architecture facts itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet

from imagesmith.compat.choose import Candidate, framework_candidates
from imagesmith.core.errors import CheckFailed, ConfigError, UserInputError
from imagesmith.core.profile import CatalogImage, NodeGroup, Profile
from imagesmith.recipe.model import Framework, Recipe, Release
from imagesmith.recipe.params import ParameterValues

RUNS = "runs"
CAVEATS = "runs-with-caveats"


@dataclass
class Verdict:
    verdict: str  # "runs" | "runs-with-caveats" | "unknown" | "fails"
    reasons: list[str] = field(default_factory=list)
    suggestion: str | None = None


@dataclass(frozen=True)
class Build:
    """One installable framework build: a compat candidate the recipe has a release entry for."""

    candidate: Candidate  # package (pip name), version, variant; pin and requirement
    release: Release

    @property
    def package(self) -> str:
        return self.candidate.package

    @property
    def version(self) -> str:
        return self.candidate.version

    @property
    def variant(self) -> str | None:
        return self.candidate.variant

    @property
    def pin(self) -> str:
        return self.candidate.pin

    @property
    def requirement(self) -> str:
        return self.candidate.requirement

    @property
    def companions(self) -> list[str]:
        label = f"+{self.variant}" if self.variant else ""
        return [f"{spec}{label}" for spec in self.release.companions]

    @property
    def index_url(self) -> str | None:
        url = self.release.index_url
        return url.replace("{variant}", self.variant) if url and self.variant else None


@dataclass
class Option:
    base: CatalogImage
    build: Build | None = None

    def describe(self) -> str:
        return f"{self.build.requirement} on {self.base.name}" if self.build else self.base.name


@dataclass
class Choice:
    option: Option
    verdicts: dict[str, Verdict]

    @property
    def status(self) -> str:
        kinds = {v.verdict for v in self.verdicts.values()}
        if "fails" in kinds:
            return "fails"
        if "unknown" in kinds:
            return "unknown"
        return RUNS if kinds <= {RUNS} else CAVEATS


Evaluate = Callable[[Option], dict[str, Verdict]]


class NoCompatibleChoice(CheckFailed):
    """No option runs on every requested group; the message names the blocker and the best per group."""

    def __init__(self, message: str, best: dict[str, str | None]):
        super().__init__(message)
        self.best = best


def _bases(recipe: Recipe, values: ParameterValues, profile: Profile) -> list[CatalogImage]:
    wanted = values.values.get("base")
    if isinstance(wanted, str) and wanted:
        image = profile.find_image(wanted)
        assert image is not None  # checked when the value was read
        return [image]
    return list(profile.catalog)


def _fits(base: CatalogImage, spec: str) -> bool:
    return not spec or not base.python_version or SpecifierSet(spec).contains(base.python_version)


def known_builds(fw: Framework, where: str) -> list[Build]:
    """The compat engine's builds of the framework (newest first) that the recipe can install."""
    try:
        known = framework_candidates(fw.package)
    except ValueError as exc:
        raise ConfigError(str(exc), where=where) from None
    return [Build(c, rel) for c in known if (rel := fw.release(c.version)) is not None]


def options_for(recipe: Recipe, values: ParameterValues, profile: Profile) -> list[Option]:
    """Every (base image, framework build) the recipe could produce, best first."""
    bases = [b for b in _bases(recipe, values, profile) if _fits(b, recipe.base_python)]
    if not bases:
        raise UserInputError(
            f"recipe {recipe.name} needs a base image with Python {recipe.base_python}",
            hint="choose another --set base=IMAGE from the catalog",
        )
    fw = recipe.framework
    if fw is None:
        return [Option(b) for b in bases]
    wanted = values.values.get(fw.parameter) or ""
    builds = known_builds(fw, f"recipe {recipe.name}: framework.package")
    chosen = [b for b in builds if not wanted or wanted in (b.version, b.pin)]
    if not chosen:
        known = ", ".join(b.pin for b in builds)
        raise UserInputError(
            f"recipe {recipe.name} has no build of {fw.package} {wanted}", hint=f"known: {known}"
        )
    options = [
        Option(base, build)
        for build in chosen
        for base in bases
        if build.release.fits_python(base.python_version)
    ]
    if not options:
        raise UserInputError(
            f"no base image has a Python that {fw.package} {wanted or ''} has wheels for".replace(
                "  ", " "
            ),
            hint=", ".join(f"{b.name}: Python {b.python_version}" for b in bases),
        )
    return options


def choose(
    options: Sequence[Option],
    groups: Sequence[NodeGroup],
    evaluate: Evaluate,
) -> Choice:
    """The first option that runs on every group; failing that, the first that runs with
    caveats; failing that, NoCompatibleChoice naming the blocking group and the best per group."""
    names = [g.name for g in groups]
    seen: list[Choice] = []
    for option in options:
        verdicts = evaluate(option)
        choice = Choice(option, {n: verdicts[n] for n in names})
        if all(v.verdict == RUNS for v in choice.verdicts.values()):
            return choice
        seen.append(choice)
    with_caveats = [
        c for c in seen if all(v.verdict in (RUNS, CAVEATS) for v in c.verdicts.values())
    ]
    if with_caveats:
        return with_caveats[0]
    raise _no_choice(seen, groups)


def _no_choice(seen: list[Choice], groups: Sequence[NodeGroup]) -> NoCompatibleChoice:
    def running(c: Choice) -> int:
        return sum(v.verdict != "fails" for v in c.verdicts.values())

    closest = max(seen, key=running)  # max keeps the first, i.e. the most preferred, on ties
    blockers = []
    for g in groups:
        v = closest.verdicts[g.name]
        if v.verdict == "fails":
            why = "; ".join(v.reasons) or "compat says it fails"
            blockers.append(f"{g.name} ({g.gpu}) blocks {closest.option.describe()}: {why}")
    best: dict[str, str | None] = {}
    for g in groups:
        first = next((c for c in seen if c.verdicts[g.name].verdict != "fails"), None)
        best[g.name] = first.option.describe() if first else None
    offers = "; ".join(
        f"best for {name}: {what or 'none of the options tried'}" for name, what in best.items()
    )
    message = f"no choice runs on every requested node group. {' '.join(blockers)}. {offers}"
    return NoCompatibleChoice(message, best)
