"""Progress of long work (builds, pushes, packaging), shown three ways from the same events:

- `TerminalProgress`: on a TTY, one redrawn status line (step N/M, the Dockerfile line,
  elapsed time) and the last few log lines folded underneath it;
- `PlainProgress`: one plain line per step or phase, for logs and pipes;
- `JsonProgress`: one JSON object per line (`{"event": ..., ...}`) for `--format json`.

Services take a `ProgressSink` and never print themselves; `make_progress` picks the kind.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from typing import Any, Protocol, TextIO


class ProgressSink(Protocol):
    def phase(self, name: str, text: str) -> None: ...
    def step(self, number: int, total: int, text: str, line: int | None = None) -> None: ...
    def log(self, text: str) -> None: ...
    def transfer(self, label: str, item: str, current: int, total: int) -> None: ...
    def message(self, text: str, level: str = "info") -> None: ...
    def finish(self, ok: bool, summary: dict[str, Any] | None = None) -> None: ...


def _elapsed(start: float) -> str:
    seconds = int(time.monotonic() - start)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


class NullProgress:
    """Shows nothing (quiet mode, library use)."""

    def phase(self, name: str, text: str) -> None:
        pass

    def step(self, number: int, total: int, text: str, line: int | None = None) -> None:
        pass

    def log(self, text: str) -> None:
        pass

    def transfer(self, label: str, item: str, current: int, total: int) -> None:
        pass

    def message(self, text: str, level: str = "info") -> None:
        pass

    def finish(self, ok: bool, summary: dict[str, Any] | None = None) -> None:
        pass


class PlainProgress(NullProgress):
    """A line per step, phase and message; transfers as a line per item at start and end."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self._transfers: dict[tuple[str, str], bool] = {}

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def phase(self, name: str, text: str) -> None:
        self._write(f"[{_elapsed(self.start)}] {text}")

    def step(self, number: int, total: int, text: str, line: int | None = None) -> None:
        where = f" (line {line})" if line else ""
        self._write(f"[{_elapsed(self.start)}] step {number}/{total}{where}: {_short(text, 200)}")

    def transfer(self, label: str, item: str, current: int, total: int) -> None:
        key = (label, item)
        finished = total > 0 and current >= total
        if key not in self._transfers or (finished and not self._transfers[key]):
            self._transfers[key] = finished
            state = "done" if finished else "started"
            self._write(f"[{_elapsed(self.start)}] {label} {item}: {state} ({total} bytes)")

    def message(self, text: str, level: str = "info") -> None:
        prefix = "" if level == "info" else f"{level}: "
        self._write(f"{prefix}{text}")

    def finish(self, ok: bool, summary: dict[str, Any] | None = None) -> None:
        self._write(f"[{_elapsed(self.start)}] {'finished' if ok else 'failed'}")


class TerminalProgress(PlainProgress):
    """A redrawn status block: the current step and its last `fold` log lines. A ticker
    thread redraws it every second, so the clock runs on during a step that prints nothing."""

    TICK = 1.0

    def __init__(self, stream: TextIO | None = None, fold: int = 3) -> None:
        super().__init__(stream)
        self.fold = fold
        self.tail: deque[str] = deque(maxlen=fold)
        self.status = ""
        self._drawn = 0
        self._last = 0.0
        self._lock = threading.RLock()
        self._done = threading.Event()
        self._ticker: threading.Thread | None = None

    def _tick(self) -> None:
        while not self._done.wait(self.TICK):
            with self._lock:
                if self.status and not self._done.is_set():
                    self._draw(force=True)

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="progress-clock", daemon=True)
            self._ticker.start()

    def _width(self) -> int:
        import shutil

        return max(shutil.get_terminal_size((100, 20)).columns - 1, 20)

    def _clear(self) -> None:
        if self._drawn:
            # Up to the first line of the block, then clear to the end of the screen.
            self.stream.write("\r" + ("\x1b[1A" * (self._drawn - 1)) + "\x1b[J")
            self._drawn = 0

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        width = self._width()
        self._clear()
        lines = [_short(f"[{_elapsed(self.start)}] {self.status}", width)]
        lines += ["\x1b[2m  │ " + _short(t, width - 4) + "\x1b[0m" for t in self.tail]
        self.stream.write("\n".join(lines))
        self.stream.flush()
        self._drawn = len(lines)

    def _settle(self, text: str) -> None:
        """Replace the block with a permanent line."""
        self._clear()
        self._write(_short(text, self._width()))

    def phase(self, name: str, text: str) -> None:
        with self._lock:
            if self.status:
                self._settle(f"[{_elapsed(self.start)}] {self.status}")
            self.status, self.tail = text, deque(maxlen=self.fold)
            self._draw(force=True)
        self._start_ticker()

    def step(self, number: int, total: int, text: str, line: int | None = None) -> None:
        where = f" line {line}" if line else ""
        self.phase("step", f"step {number}/{total}{where}: {text}")

    def log(self, text: str) -> None:
        with self._lock:
            for item in text.splitlines():
                if item.strip():
                    self.tail.append(item.rstrip())
            self._draw()

    def transfer(self, label: str, item: str, current: int, total: int) -> None:
        pct = 100 * current // total if total else 0
        with self._lock:
            self.status = f"{label}: {item} {pct}%"
            self._draw()

    def message(self, text: str, level: str = "info") -> None:
        with self._lock:
            self._clear()
            super().message(text, level)
            self._draw(force=True)

    def finish(self, ok: bool, summary: dict[str, Any] | None = None) -> None:
        self._done.set()
        with self._lock:
            if self.status:
                self._settle(f"[{_elapsed(self.start)}] {self.status}")
                self.status = ""
            self._write(f"[{_elapsed(self.start)}] {'finished' if ok else 'failed'}")


class JsonProgress(NullProgress):
    """JSON lines: `{"event": "step", "number": 2, "total": 5, "line": 3, "text": ...}`."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.start = time.monotonic()

    def emit(self, event: str, **fields: Any) -> None:
        record = {**fields, "event": event, "elapsed": round(time.monotonic() - self.start, 3)}
        self.stream.write(json.dumps(record, sort_keys=False) + "\n")
        self.stream.flush()

    def phase(self, name: str, text: str) -> None:
        self.emit("phase", name=name, text=text)

    def step(self, number: int, total: int, text: str, line: int | None = None) -> None:
        self.emit("step", number=number, total=total, line=line, text=text)

    def log(self, text: str) -> None:
        self.emit("log", text=text)

    def transfer(self, label: str, item: str, current: int, total: int) -> None:
        self.emit("transfer", label=label, item=item, current=current, total=total)

    def message(self, text: str, level: str = "info") -> None:
        self.emit("message", level=level, text=text)

    def finish(self, ok: bool, summary: dict[str, Any] | None = None) -> None:
        self.emit("result", **{**(summary or {}), "ok": ok})


def make_progress(fmt: str = "text", *, stream: TextIO | None = None,
                  quiet: bool = False) -> ProgressSink:
    """`json` -> JSON lines on stdout; `plain` -> plain lines; text -> a live block on a TTY,
    plain lines otherwise."""
    if fmt == "json":
        return JsonProgress(stream)
    if quiet:
        return NullProgress()
    if fmt == "plain":
        return PlainProgress(stream or sys.stderr)
    import os

    out = stream or sys.stderr
    live = out.isatty() and os.environ.get("TERM") != "dumb"  # a dumb terminal moves no cursor
    return TerminalProgress(out) if live else PlainProgress(out)
