"""The session journal: one JSON object per line, written by the bash hook as commands run.

Line types: `start` (shell, uid, cwd, exported env), `cmd` (command as typed, exit status,
cwd before/after, changed exported variables, start/end time in microseconds), `snapshot`
(package lists, phase start|end), `end`. A truncated last line (killed shell) is skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagesmith.core.errors import UserInputError
from imagesmith.record.snapshots import PackageSnapshot, parse_snapshot


@dataclass
class Command:
    n: int
    cmd: str
    status: int
    cwd_before: str
    cwd_after: str
    env: dict[str, str | None]
    t_start_us: int
    t_end_us: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": "cmd", **self.__dict__}


@dataclass
class Journal:
    path: Path | None
    commands: list[Command] = field(default_factory=list)
    start: dict[str, Any] = field(default_factory=dict)
    ended: bool = False
    snapshots: dict[str, PackageSnapshot] = field(default_factory=dict)  # phase -> snapshot
    skipped_lines: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_env(self) -> dict[str, str]:
        env = self.start.get("env") or {}
        return {str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {}

    @property
    def start_us(self) -> int | None:
        return self.start.get("time_us")


def parse_journal_lines(lines: list[str], path: Path | None = None) -> Journal:
    journal = Journal(path)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            journal.skipped_lines += 1
            continue
        if not isinstance(item, dict):
            journal.skipped_lines += 1
            continue
        journal.lines.append(item)
        kind = item.get("type")
        if kind == "start" and not journal.start:
            journal.start = item
        elif kind == "cmd":
            try:
                journal.commands.append(Command(
                    int(item["n"]), str(item["cmd"]), int(item["status"]), str(item["cwd_before"]),
                    str(item["cwd_after"]), dict(item.get("env") or {}),
                    int(item.get("t_start_us") or 0), int(item.get("t_end_us") or 0)))
            except (KeyError, TypeError, ValueError):
                journal.skipped_lines += 1
        elif kind == "snapshot":
            journal.snapshots[str(item.get("phase", "end"))] = parse_snapshot(str(item.get("text", "")))
        elif kind == "end":
            journal.ended = True
    return journal


def read_journal(path: Path) -> Journal:
    """Read a journal file (or a folder holding journal.jsonl, or a build folder's session.json)."""
    if path.is_dir():
        for candidate in (path / "journal.jsonl", path / ".imagesmith" / "journal.jsonl",
                          path / ".imagesmith" / "session.json"):
            if candidate.is_file():
                path = candidate
                break
        else:
            raise UserInputError("no journal.jsonl in this folder", where=path,
                                 hint="pass the journal file written by the hook")
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise UserInputError(f"cannot read the journal: {exc.strerror}", where=path) from None
    if path.suffix == ".json":
        try:
            session = json.loads(text)
            lines = [json.dumps(item) for item in session["journal"]]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserInputError("not an imagesmith session.json", where=path) from None
    else:
        lines = text.splitlines()
    journal = parse_journal_lines(lines, path)
    if not journal.start and not journal.commands:
        raise UserInputError("no journal entries found", where=path,
                             hint="is this a journal written by `imagesmith hook`?")
    return journal


def journal_line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False) + "\n"
