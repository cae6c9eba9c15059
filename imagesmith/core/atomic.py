"""Write a file so that it appears whole or not at all (temp file beside it, then rename).

Every command that writes a file goes through here, so a folder given as an output path, a
missing parent or a read-only place is one input error naming the path, and an error or
Ctrl-C never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from imagesmith.core.errors import UserInputError


@contextmanager
def atomic_write(dest: Path, *, mode: int | None = None, make_parents: bool = True) -> Iterator[IO[bytes]]:
    """Yield a binary file; on success it is renamed to `dest` (permissions from the umask,
    or `mode`), on any error or Ctrl-C it is removed.

    No fsync: the promise is "never a half-written file after an error or Ctrl-C", which the
    rename gives; an fsync would add ~0.5 s per GiB for power-loss durability only."""
    if dest.is_dir():
        raise UserInputError("is a folder, not a file to write", where=dest, hint="give a file name")
    try:
        if make_parents:
            dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as exc:
        raise UserInputError(f"cannot write here: {exc.strerror}", where=dest) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(dest: Path, data: bytes, *, mode: int | None = None, make_parents: bool = True) -> None:
    with atomic_write(dest, mode=mode, make_parents=make_parents) as fh:
        fh.write(data)


def write_text_atomic(dest: Path, text: str, *, make_parents: bool = True) -> None:
    write_bytes_atomic(dest, text.encode("utf-8"), make_parents=make_parents)
