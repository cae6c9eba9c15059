"""Write a file so that it appears whole or not at all (temp file beside it, then rename)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_write(dest: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file; on success it is renamed to `dest` with umask-based permissions,
    on any error or Ctrl-C it is removed.

    No fsync: the promise is "never a half-written file after an error or Ctrl-C", which the
    rename gives; an fsync would add ~0.5 s per GiB for power-loss durability only."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
