"""IS712 cpu-threads: explicit thread counts that push a job past the CPU limit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND, resolve_script

THREAD_SETTINGS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "intra_op_parallelism_threads",
    "inter_op_parallelism_threads",
    "set_num_threads",
    "set_intra_op_parallelism_threads",
    "set_inter_op_parallelism_threads",
)
# `NAME=8`, `--NAME 8`, `NAME: 8`, `set_num_threads(8)`, `"NAME": "8"`
_SETTING = re.compile(r"\b(" + "|".join(THREAD_SETTINGS) + r")\b[\"']?\s*[=:( ]\s*[\"']?(\d{1,9})(?!\d)")
_MAX_SCRIPT = 1 << 20


def thread_settings(text: str) -> Iterator[tuple[int, str, int]]:
    """(line, setting, threads) for each explicit thread count in `text`, comments skipped."""
    for no, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for m in _SETTING.finditer(line):
            yield no, m.group(1), int(m.group(2))


def job_type_cores(parsed: ParsedJobScript, profile: Profile) -> tuple[str, int] | None:
    """The (flag, cores) of the job's `nodes=...:S|D` request, if any."""
    flags = profile.jobs.core_flags
    for request in parsed.resources:
        if request.nodes is not None:
            for prop in request.nodes.properties:
                if prop in flags:
                    return prop, flags[prop]
    return None


def _judge(
    setting: str, threads: int, where: str, line: int, parsed: ParsedJobScript, profile: Profile
) -> Iterable[Hit]:
    limit = profile.jobs.cpu_limit_percent
    data = {"setting": setting, "threads": threads, "limit_percent": limit}
    if threads == 0 and "op_parallelism" in setting:
        yield Hit(
            f"`{setting}=0` {where} lets TensorFlow use every core of the node "
            f"(the limit is {limit}% per job)",
            line=line,
            data=data,
            help=f"set it to {max(limit // 100, 1)} or less (FAQ l.738-741)",
        )
    elif threads * 100 > limit:
        yield Hit(
            f"`{setting}={threads}` {where} runs {threads} threads, about {threads * 100}% CPU; "
            f"a job should stay under {limit}%",
            line=line,
            data=data,
            help=f"use at most {max(limit // 100, 1)} threads (FAQ l.738-741)",
        )
    else:
        job_type = job_type_cores(parsed, profile)
        if job_type and threads > job_type[1]:
            flag, cores = job_type
            bigger = [f for f, n in profile.jobs.core_flags.items() if n >= threads]
            yield Hit(
                f"`{setting}={threads}` {where} uses {threads} cores in a `:{flag}` ({cores}-core) job",
                line=line,
                severity=Severity.INFO,
                data=data,
                help=f"request `:{bigger[0]}`" if bigger else f"use {cores} thread(s)",
            )


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    for line, setting, threads in thread_settings(parsed.text):
        yield from _judge(setting, threads, "in the job", line, parsed, profile)
    seen = set()
    for sd in parsed.startdockers:
        path = resolve_script(sd, parsed, profile)
        if path is None or path in seen:
            continue
        seen.add(path)
        try:
            text = path.read_bytes()[:_MAX_SCRIPT].decode("utf-8", errors="replace")
        except OSError:
            continue
        for line, setting, threads in thread_settings(text):
            yield from _judge(setting, threads, f"in {sd.script} (line {line})", sd.line, parsed, profile)


RULE = Rule(
    code="IS712",
    name="cpu-threads",
    severity=Severity.WARNING,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="Explicit thread counts in the job script, the startdocker command line or the -s "
        "script on disk (`OMP_NUM_THREADS=8`, `MKL_NUM_THREADS`, TensorFlow "
        "`intra_op_parallelism_threads` / `inter_op_parallelism_threads`, `torch.set_num_threads`) "
        "stay within the profile's CPU limit (`jobs.cpu_limit_percent`, 200% = 2 threads). "
        "`..._op_parallelism_threads=0` (all cores) is reported too; a count within the limit "
        "but above the job type's cores (2 threads in an `:S` job) is info.",
        why="FAQ (guide l.738-741): TensorFlow's inter/intra-op thread settings drive CPU use up; "
        "each job's CPU use should stay under 200%. The nodes' CPUs are shared by the eight "
        "GPU jobs on them.",
        example='startdocker -c "python train.py --intra_op_parallelism_threads=16" bit:5000/deepo_9\n',
        instead='startdocker -c "python train.py --intra_op_parallelism_threads=2" bit:5000/deepo_9\n',
        source="guide FAQ (l.738-741)",
    ),
    check=check,
)
