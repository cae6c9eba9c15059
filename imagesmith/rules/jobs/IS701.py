"""IS701 pbs-resource-request: `#PBS -l nodes=N:gpus=G:S|D` in the cluster's form."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import NodeSpec, ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND

_MPI = ("mpirun", "mpiexec", "orterun", "srun", "horovodrun")


def uses_mpi(parsed: ParsedJobScript) -> bool:
    words = [w for c in parsed.commands for w in c.command.argv]
    words += [w for sd in parsed.startdockers for c in sd.commands for w in c.split()]
    return any(w.rsplit("/", 1)[-1] in _MPI for w in words)


def _flag_hits(spec: NodeSpec, line: int, profile: Profile) -> Iterable[Hit]:
    flags = profile.jobs.core_flags
    names = " or ".join(f":{f}" for f in flags)
    chosen = [p for p in spec.properties if p in flags]
    form = f"nodes={spec.count or 1}:gpus={spec.gpus or 1}:{next(iter(flags), 'S')}"
    if not chosen:
        yield Hit(
            f"`nodes={spec.raw}` names no job type ({names})",
            line=line,
            help=f"write e.g. `#PBS -l {form}`; {_flag_meaning(profile)}",
        )
        return
    if len(chosen) > 1:
        yield Hit(
            f"`nodes={spec.raw}` names several job types ({', '.join(chosen)})",
            line=line,
            help=f"keep one: {_flag_meaning(profile)}",
        )
        return
    flag = chosen[0]
    cores = flags[flag]
    # One core per GPU up to the widest job type: `gpus=2:S` is wrong, `gpus=4:D` is the best there is.
    wider = sorted((n, f) for f, n in flags.items() if n > cores)
    if spec.gpus is not None and spec.gpus > cores and wider:
        better = next((f for n, f in wider if n >= spec.gpus), wider[-1][1])
        yield Hit(
            f"`gpus={spec.gpus}:{flag}` asks for {spec.gpus} GPUs in a {cores}-core job type",
            line=line,
            help=f"use `gpus={spec.gpus}:{better}`; {_flag_meaning(profile)}",
            data={"gpus": spec.gpus, "flag": flag, "suggested": better},
        )


def _flag_meaning(profile: Profile) -> str:
    parts = [f"{f} = {n}-core job" for f, n in profile.jobs.core_flags.items()]
    return ", ".join(parts) + " (guide l.514-515)"


def _check_spec(spec: NodeSpec, line: int, parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    if spec.count is None or spec.bad_parts:
        bad = ", ".join(spec.bad_parts) or spec.raw.split(":")[0]
        yield Hit(
            f"`nodes={spec.raw}` is not `N:gpus=G:FLAG` (bad part: {bad})",
            line=line,
            severity=Severity.ERROR,
            help="write e.g. `#PBS -l nodes=1:gpus=1:S`",
        )
        return
    if spec.gpus is None:
        yield Hit(
            f"`nodes={spec.raw}` requests no GPU (`gpus=G`)",
            line=line,
            help="add `:gpus=1` (or the number the program uses), e.g. `nodes=1:gpus=1:S`",
        )
    elif spec.gpus == 0:
        yield Hit("`gpus=0` requests no GPU", line=line, help="a GPU cluster job requests at least `gpus=1`")
    per_node = max((g.gpus_per_node for g in profile.node_groups), default=0)
    if spec.gpus and per_node and spec.gpus > per_node:
        yield Hit(
            f"`gpus={spec.gpus}` per node: no node has more than {per_node} GPUs",
            line=line,
            severity=Severity.ERROR,
            help=f"the job would wait forever; request at most {per_node} GPUs per node",
            data={"gpus": spec.gpus, "max": per_node},
        )
    yield from _flag_hits(spec, line, profile)
    limit = profile.jobs.max_nodes_without_mpi
    if spec.count > limit and not uses_mpi(parsed):
        yield Hit(
            f"`nodes={spec.count}` without MPI: only one node's GPUs are visible to a plain job",
            line=line,
            severity=Severity.WARNING,
            help=f"request `nodes={limit}` unless the job runs MPI (guide l.508)",
        )


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    if not parsed.is_pbs:
        return
    requests = parsed.resources
    specs = [(r, r.nodes) for r in requests if r.nodes is not None]
    if not specs:
        yield Hit(
            "no `#PBS -l nodes=N:gpus=G:S|D` line: the job gets the queue's default resources and no GPU",
            line=parsed.directives[0].line,
            help="add `#PBS -l nodes=1:gpus=1:S` (guide l.481)",
        )
        return
    for request, spec in specs:
        assert spec is not None
        yield from _check_spec(spec, request.line, parsed, profile)


RULE = Rule(
    code="IS701",
    name="pbs-resource-request",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="The `#PBS -l nodes=...` request has the cluster's form `nodes=N:gpus=G:FLAG`, FLAG "
        "being a job type of the profile (`S` one core, `D` two cores); the type covers the GPU "
        "count (`gpus=2:S` is wrong, `gpus=2:D` right); no node is asked for more GPUs than it "
        "has; more than one node only when the job runs MPI (a warning).",
        why="The PBS section (guide l.508-515): `nodes=1` unless MPI; a single-core job must say "
        "`S` (`nodes=1:gpus=1:S`), a two-core job `D` (`nodes=1:gpus=2:D`). A request the "
        "scheduler cannot match waits in the queue or gets no GPU.",
        example='#PBS -l nodes=2:gpus=2:S\nstartdocker -c "python train.py" bit:5000/deepo_9\n',
        instead='#PBS -l nodes=1:gpus=2:D\nstartdocker -c "python train.py" bit:5000/deepo_9\n',
        source="guide §4 PBS (l.481, l.508-515)",
    ),
    check=check,
)
