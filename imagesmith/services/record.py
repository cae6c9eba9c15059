"""`imagesmith record` (full mode) and `imagesmith dockerfile` (from a journal alone)."""

from __future__ import annotations

import argparse
import io
import json
import shlex
import signal
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import UserInputError
from imagesmith.record.changes import PathChange, collect_changes
from imagesmith.record.folder import STATE_DIR, check_output_dir, make_state_dir, write_folder
from imagesmith.record.generate import BaseInfo, Fetched, Plan, build_plan
from imagesmith.record.hooktext import hook_snippet
from imagesmith.record.journal import Journal, journal_line, parse_journal_lines, read_journal
from imagesmith.record.noise import RECORD_MOUNT
from imagesmith.record.snapshots import PackageSnapshot, parse_snapshot, snapshot_script

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine
    from imagesmith.record.compare import Comparison

KEEPER = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"
JOURNAL_NAME = "journal.jsonl"


def say(text: str) -> None:
    try:
        sys.stderr.write(f"imagesmith: {text}\n")
        sys.stderr.flush()
    except OSError:  # the terminal is gone (SIGHUP): the work goes on without it
        pass


@dataclass
class RecordResult:
    out_dir: Path
    plan: Plan
    comparison: Comparison | None = None
    container: str | None = None
    interrupted: bool = False  # the terminal was lost: the folder was written, nothing verified

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.comparison is not None and not self.comparison.reproduced else 0


# -- run arguments -----------------------------------------------------------------------------

def parse_run_args(values: list[str]) -> dict[str, Any]:
    """`docker run` options given with --run-arg, as engine create() arguments."""
    parser = argparse.ArgumentParser(prog="--run-arg", add_help=False, exit_on_error=False)
    parser.add_argument("--network", "--net")
    parser.add_argument("-v", "--volume", action="append", default=[])
    parser.add_argument("-e", "--env", action="append", default=[])
    parser.add_argument("-u", "--user")
    parser.add_argument("-w", "--workdir")
    parser.add_argument("--gpus")
    parser.add_argument("--ipc")
    parser.add_argument("--shm-size")
    parser.add_argument("--privileged", action="store_true")
    parser.add_argument("--cap-add", action="append", default=[])
    parser.add_argument("--device", action="append", default=[])
    try:
        tokens = [tok for value in values for tok in shlex.split(value)]
    except ValueError as exc:
        raise UserInputError(f"bad --run-arg: {exc}", hint="quote it like a docker run argument") from None
    try:
        ns, unknown = parser.parse_known_args(tokens)
    except (argparse.ArgumentError, ValueError) as exc:
        raise UserInputError(f"bad --run-arg: {exc}") from None
    if unknown:
        raise UserInputError(f"unsupported --run-arg: {' '.join(unknown)}",
                             hint="supported: --network -v -e -u -w --gpus --ipc --shm-size --privileged --cap-add --device")
    volumes: dict[str, dict[str, str]] = {}
    for spec in ns.volume:
        parts = spec.split(":")
        if len(parts) < 2:
            raise UserInputError(f"bad --run-arg volume {spec!r}", hint="use -v HOST_PATH:CONTAINER_PATH[:ro]")
        volumes[str(Path(parts[0]).resolve())] = {"bind": parts[1], "mode": parts[2] if len(parts) > 2 else "rw"}
    host: dict[str, Any] = {}
    if ns.gpus:
        count = -1 if ns.gpus == "all" else int(ns.gpus) if ns.gpus.isdigit() else None
        request: dict[str, Any] = {"Driver": "", "Capabilities": [["gpu"]]}
        if count is None:
            request["DeviceIDs"] = ns.gpus.removeprefix("device=").split(",")
        else:
            request["Count"] = count
        host["device_requests"] = [request]
    if ns.ipc:
        host["ipc_mode"] = ns.ipc
    if ns.shm_size:
        host["shm_size"] = ns.shm_size
    if ns.privileged:
        host["privileged"] = True
    if ns.cap_add:
        host["cap_add"] = ns.cap_add
    if ns.device:
        host["devices"] = ns.device
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in ns.env)
    return {"network_mode": ns.network or "host", "volumes": volumes, "environment": env or None,
            "user": ns.user, "working_dir": ns.workdir, "extra_host_config": host}


# -- shared ------------------------------------------------------------------------------------

def base_info(engine: Engine | None, ref: str, journal: Journal | None = None) -> BaseInfo:
    if engine is None:
        return BaseInfo(ref, env=journal.base_env if journal else {}, has_bash=bool(journal and journal.start))
    data = engine.inspect_image(ref)
    config = data.get("Config") or {}
    env = dict(i.split("=", 1) if "=" in i else (i, "") for i in config.get("Env") or [])
    return BaseInfo(ref, env, config.get("WorkingDir") or "/", data.get("Id"), list(data.get("RepoDigests") or []))


def _header(base: BaseInfo, mode: str) -> str:
    return (f"Recorded by `imagesmith {mode}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n"
            f"Base {base.ref} ({base.image_id or 'image id not known'}); the session journal, package\n"
            f"snapshots and the reasons for every dropped command are in {STATE_DIR}/session.json.")


def session_document(journal: Journal, base: BaseInfo, plan: Plan, *, mode: str, run_args: list[str],
                     start: PackageSnapshot | None, end: PackageSnapshot | None,
                     changes: list[PathChange] | None) -> dict[str, Any]:
    return {
        "format": "imagesmith-session/1",
        "mode": mode,
        "base": {"ref": base.ref, "image_id": base.image_id, "repo_digests": base.repo_digests,
                 "env": base.env, "workdir": base.workdir},
        "run_args": run_args,
        "journal": journal.lines,
        "snapshots": {"start": start.to_dict() if start else None, "end": end.to_dict() if end else None},
        "changes": [c.to_dict() for c in changes] if changes is not None else None,
        **plan.summary(),
    }


def lint_output(out_dir: Path) -> list[str]:
    """Error-level lint findings on the written folder."""
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lint import lint_paths

    report = lint_paths([out_dir], select_profile(None, out_dir))
    return [f"{getattr(f, 'code', '?')}: {getattr(f, 'message', f)}" for f in report.errors]


# -- imagesmith dockerfile --------------------------------------------------------------------

def dockerfile_from_journal(journal_path: Path, base_ref: str | None, out_dir: Path, *,
                            include_secrets: bool = False, force: bool = False) -> RecordResult:
    journal = read_journal(journal_path)
    check_output_dir(out_dir, force=force)
    session_base = None
    if journal_path.suffix == ".json":
        session = json.loads(journal_path.read_text(encoding="utf-8"))
        base_field = session.get("base") if isinstance(session, dict) else None
        if not isinstance(base_field, dict):
            raise UserInputError("not a session.json written by `imagesmith record` (no base table)",
                                 where=journal_path)
        session_base = base_field.get("ref")
    ref = base_ref or session_base
    if not ref:
        raise UserInputError("the base image is not known", hint="pass --base IMAGE")
    base = base_info(None, ref, journal)
    start, end = journal.snapshots.get("start"), journal.snapshots.get("end")
    plan = build_plan(journal, base, changes=None, start=start, end=end, include_secrets=include_secrets,
                      header=_header(base, "dockerfile"))
    write_folder(out_dir, plan, session_document(journal, base, plan, mode="dockerfile", run_args=[],
                                                 start=start, end=end, changes=None))
    return RecordResult(out_dir, plan)


# -- imagesmith record -------------------------------------------------------------------------

def _fetcher(engine: Engine, container: str) -> Callable[[str], Fetched | None]:
    def fetch(path: str) -> Fetched | None:
        try:
            data = engine.copy_out(container, path)
        except UserInputError:
            return None
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = next(iter(tar.getmembers()), None)
            if member is None:
                return None
            if member.issym():
                return Fetched("l", link=member.linkname)
            if member.isreg():
                fh = tar.extractfile(member)
                return Fetched("f", fh.read() if fh else b"", mode=member.mode)
        return None

    return fetch


def record_session(base_ref: str, out_dir: Path, *, run_args: list[str], verify: bool = False,
                   include_secrets: bool = False, keep: bool = False, force: bool = False) -> RecordResult:
    from imagesmith.engine import Engine

    create_args = parse_run_args(run_args)
    check_output_dir(out_dir, force=force)
    _hangup_unwinds()
    state = out_dir / STATE_DIR
    journal_path = state / JOURNAL_NAME
    with Engine.connect() as engine:
        base = base_info(engine, base_ref)
        if not sys.stdin.isatty():
            raise UserInputError("record needs a terminal on standard input (it opens an interactive "
                                 "shell)", hint="run it in a terminal; `imagesmith dockerfile JOURNAL` "
                                 "turns an existing journal into a Dockerfile without one")
        make_state_dir(out_dir)
        journal_path.unlink(missing_ok=True)
        volumes = {**create_args.pop("volumes"), str(state.resolve()): {"bind": RECORD_MOUNT, "mode": "rw"}}
        cid = engine.create(base_ref, ["/bin/sh", "-c", KEEPER], role="record", entrypoint=[],
                            volumes=volumes, **create_args)
        if keep:
            engine.keep(cid)
        engine.start(cid)
        owner = _session_owner(engine, cid, create_args.get("user"))
        if owner is not None:
            make_state_dir(out_dir, owner)
        name = engine.inspect_container(cid)["Name"].lstrip("/")
        say(f"session container {name} from {base_ref} ({'kept' if keep else 'removed'} at the end)")
        start_text = _snapshot_text(engine, cid)
        start = parse_snapshot(start_text)
        journal_path.write_text(journal_line({"type": "snapshot", "phase": "start", "time_us": int(time.time() * 1e6),
                                              "text": start_text}), encoding="utf-8")
        has_bash = engine.exec(cid, ["sh", "-c", "command -v bash"]).exit_code == 0
        base.has_bash = has_bash
        (state / "hook.bash").write_text(hook_snippet(snapshots=False), encoding="utf-8")
        (state / "rc.bash").write_text(
            f'[ -f ~/.bashrc ] && . ~/.bashrc\n. {RECORD_MOUNT}/hook.bash\n', encoding="utf-8")
        env = {"IMAGESMITH_JOURNAL": f"{RECORD_MOUNT}/{JOURNAL_NAME}", "IMAGESMITH_SNAPSHOTS": "0"}
        if has_bash:
            argv = ["bash", "--rcfile", f"{RECORD_MOUNT}/rc.bash", "-i"]
        else:
            say(f"{base_ref} has no bash: commands cannot be journaled; every file you change "
                "will be copied into the build folder instead (journal-only fallback)")
            argv = ["sh", "-i"]
        interrupted = False
        try:
            engine.interactive_exec(cid, argv, environment=env, user=create_args.get("user"),
                                    workdir=create_args.get("working_dir"))
        except KeyboardInterrupt:
            # A lost terminal (SIGHUP) or a signal from outside, not Ctrl-C typed in the
            # session (that goes to its shell): the container is still there, so the folder
            # is written from it, pins and file changes included. A second signal unwinds.
            interrupted = True
            say("the session ended without its terminal: writing the build folder from it")
        journal = parse_journal_lines(journal_path.read_text(encoding="utf-8", errors="surrogateescape").splitlines(),
                                      journal_path)
        end, changes, fetch = _read_session(engine, cid, state)
        alive = end is not None
        plan = build_plan(journal, base, changes=changes, start=start, end=end,
                          fetch=fetch, include_secrets=include_secrets, header=_header(base, "record"))
        doc = session_document(journal, base, plan, mode="record", run_args=run_args, start=start, end=end,
                               changes=changes)
        write_folder(out_dir, plan, doc)
        result = RecordResult(out_dir, plan, container=name if keep else None,
                              interrupted=interrupted)
        if verify and alive and not interrupted:
            result.comparison = verify_folder(engine, out_dir, cid, network="host",
                                              env=(plan.expected_env, plan.env_on_purpose))
            doc["verify"] = result.comparison.to_dict()
            write_folder(out_dir, plan, doc)
        elif verify:
            say("cannot --verify: the session container is gone")
        return result


def _session_owner(engine: Engine, container: str, user: object) -> tuple[int, int] | None:
    """(uid, gid) the session shell runs as, from the container's own `id`; None for root."""
    if not isinstance(user, str) or not user or user.split(":")[0] in ("0", "root"):
        return None
    name = user.split(":")[0]
    got = engine.exec(container, ["sh", "-c", f'id -u {shlex.quote(name)}; id -g {shlex.quote(name)}'])
    ids = got.stdout.split()
    if got.exit_code != 0 or len(ids) != 2 or not all(i.isdigit() for i in ids):
        raise UserInputError(f"the session user {user!r} is not known in the image",
                             hint="give a user the image has, or a numeric uid")
    gid = user.split(":")[1] if ":" in user and user.split(":")[1].isdigit() else ids[1]
    return int(ids[0]), int(gid)


def _hangup_unwinds() -> None:
    """A lost terminal (SIGHUP) unwinds like Ctrl-C, so the session container is removed;
    the journal on the host stays for `imagesmith dockerfile`."""
    def on_hangup(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hangup)


def _read_session(engine: Engine, container: str, state: Path
                  ) -> tuple[PackageSnapshot | None, list[PathChange] | None, Callable[[str], Fetched | None] | None]:
    """End snapshot, file changes and a reader of the session container; (None, None, None) when
    it is gone. A stopped (killed) container is started again: its filesystem is still there."""
    from imagesmith.core.errors import EngineError

    for attempt in range(3):
        if not engine.container_exists(container):
            break
        try:
            if not engine.is_running(container):
                say("the session container stopped; starting it again to read what changed")
                time.sleep(0.5 * attempt)
                engine.start(container)
            say("reading package databases and file changes")
            text = _snapshot_text(engine, container)
            end = parse_snapshot(text)
            # into the journal too: `imagesmith dockerfile JOURNAL` then still has the pins
            with open(state / JOURNAL_NAME, "a", encoding="utf-8") as fh:
                fh.write(journal_line({"type": "snapshot", "phase": "end",
                                       "time_us": int(time.time() * 1e6), "text": text}))
            return end, collect_changes(engine, container, state), _fetcher(engine, container)
        except EngineError:
            time.sleep(1)
    say("the session container is gone: building from the journal alone")
    return None, None, None


def _snapshot_text(engine: Engine, container: str) -> str:
    return engine.exec(container, ["sh", "-c", snapshot_script()]).stdout


def verify_folder(engine: Engine, folder: Path, original: str, *, network: str | None = "host",
                  env: tuple[dict[str, str], set[str]] | None = None) -> Comparison:
    """Build `folder` and compare the image with `original` (a container or image)."""
    from imagesmith.core.errors import CheckFailed
    from imagesmith.record.compare import compare_images

    say(f"building {folder} to check that it reproduces the session")
    image_id = None
    for event in engine.build(folder, network_mode=network, labels=engine.labels("record-verify")):
        if event.kind == "step":
            say(event.text)
        elif event.kind == "error":
            raise CheckFailed(f"the recorded Dockerfile does not build: {event.text.strip()}", where=folder / "Dockerfile")
        elif event.kind == "done":
            image_id = event.image_id
    if image_id is None:
        raise CheckFailed("the build gave no image", where=folder / "Dockerfile")
    engine.track_image(image_id)
    say("comparing the rebuilt image with the session container")
    return compare_images(engine, image_id, original, env)
