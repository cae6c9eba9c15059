"""The demo: the researcher's and the admin's jobs, end to end, on the guide's example.

Each step runs a real subcommand in-process and prints the command line first, so
the demo shows exactly what a user would type and see. A step states the exit code
it expects (the guide's own example is broken on purpose, so linting it *should*
find problems); the demo returns 0 when every step behaved as expected.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from imagesmith.core.errors import UserInputError
from imagesmith.core.resources import example_dir

DEMO_REQUEST = """\
name = "Zhang San"
student_id = "2026000001"
supervisor = "Prof. Li"
cluster = "GPU"
account = "userx"
changes = "cuDNN 5.1 from cuda8-cudnn5.tar, less, tqdm and easydict on nvidia-tensorflow-17.05"
image_name = "bit:5000/userx-tf-cudnn5"
"""

DEMO_JOB = """\
#PBS -N testjob
#PBS -o /ghome/userx/$PBS_JOBID.out
#PBS -e /ghome/userx/$PBS_JOBID.err
#PBS -l nodes=1:gpus=1:S
#PBS -r y
#PBS -q mcc
cd $PBS_O_WORKDIR
echo Time is `date`
startdocker -u "--ipc=host" -P /ghome/userx/code -D /gdata/userx -c "python /ghome/userx/code/train.py" bit:5000/deepo_9
"""


@dataclass(frozen=True)
class Step:
    title: str
    argv: tuple[str, ...]
    expect: tuple[int, ...] = (0,)
    needs_engine: bool = False


def _steps(work: Path, broken: Path, fixed: Path, bundle: Path, tag: str, profile: str | None) -> list[Step]:
    prof = ("--profile", profile) if profile else ()
    return [
        Step("The cluster profile in effect", ("profile", "show", *prof)),
        Step("Lint the guide's own example request (it is broken: expect findings)",
             ("lint", str(broken), *prof), expect=(1,)),
        Step("Will it run on the 1080 Ti and K80 nodes? (cuDNN caveats: expect exit 1)",
             ("compat", str(broken), *prof), expect=(1,)),
        Step("Lint the corrected request", ("lint", str(fixed), *prof)),
        Step("Compat of the corrected request (runs on both node groups)", ("compat", str(fixed), *prof)),
        Step("Lint the job script that will use the image", ("lint", str(work / "myjob.pbs"), *prof)),
        Step("Package the request for the admins",
             ("package", str(fixed), "--meta", str(work / "request.toml"), "-o", str(bundle), "--quiet", *prof)),
        Step("Admin: review the bundle (pragmas off, nothing executed)",
             ("review", str(bundle), "--html", str(work / "review.html"), *prof)),
        Step("Admin: build the reviewed bundle and push it to the registry",
             ("build", str(bundle), "-t", tag, "--push", *prof), needs_engine=True),
        Step("Verify the image as the cluster runs jobs (non-root uid, no network)",
             ("verify", tag, "--tests", str(fixed), *prof), needs_engine=True),
    ]


def run_demo(
    *, example: Path | None, workdir: Path | None, engine_mode: str, profile_ref: str | None
) -> int:
    from imagesmith.cli.main import run
    from imagesmith.engine import Engine, engine_reachable

    if engine_mode not in ("auto", "on", "off"):
        raise UserInputError(f"unknown --engine {engine_mode!r}", hint="use auto, on or off")
    broken_src = example or example_dir("guide-request")
    fixed_src = example_dir("guide-request-fixed")
    for src in (broken_src, fixed_src):
        if not (src / "Dockerfile").is_file():
            raise UserInputError("no Dockerfile in the example folder", where=src)
    if engine_mode == "on":
        Engine.connect().close()  # raises EngineUnavailable with the standard message
    engine = engine_mode == "on" or (engine_mode == "auto" and engine_reachable())

    work = Path(tempfile.mkdtemp(prefix="imagesmith-demo-")) if workdir is None else workdir
    work.mkdir(parents=True, exist_ok=True)
    broken, fixed = work / "guide-request", work / "dockertmp"
    for src, dest in ((broken_src, broken), (fixed_src, fixed)):
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
    (work / "request.toml").write_text(DEMO_REQUEST, encoding="utf-8")
    (work / "myjob.pbs").write_text(DEMO_JOB, encoding="utf-8")
    bundle = work / "request.tar.gz"
    tag = "bit:5000/userx-tf-cudnn5:demo"

    steps = _steps(work, broken, fixed, bundle, tag, profile_ref)
    outcomes: list[str] = []
    for number, step in enumerate(steps, 1):
        print(f"\n== {number}/{len(steps)} {step.title}", flush=True)
        print(f"$ imagesmith {' '.join(step.argv)}", flush=True)
        if step.needs_engine and not engine:
            print("   skipped: no Docker engine reachable (start dockerd, or run scripts/test-env.sh)")
            outcomes.append("skipped")
            continue
        code = run(list(step.argv))
        ok = code in step.expect
        outcomes.append("ok" if ok else "unexpected")
        if not ok:
            print(f"   step {number} exited {code}; expected {' or '.join(map(str, step.expect))}")
    print("\n== Not shown: `imagesmith record BASE_IMAGE` is interactive; it turns a shell session "
          "into a build folder like the one above.")
    good = outcomes.count("ok")
    skipped = outcomes.count("skipped")
    print(f"== demo finished: {good}/{len(steps)} steps as expected"
          + (f", {skipped} skipped without an engine" if skipped else "")
          + f"; outputs in {work}")
    return 0 if outcomes.count("unexpected") == 0 else 1
