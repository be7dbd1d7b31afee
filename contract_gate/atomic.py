"""Output files are written whole or not at all (temp file in the same folder + rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class OutputError(OSError):
    """An output file could not be written; the message names it and says why.

    An OSError still, so callers that tolerate a failed write (the result cache) keep doing so.
    """


def write_atomic(path: Path, content: str | bytes) -> None:
    """Replace `path` with `content` atomically: a crash never leaves half a file.

    Raise OutputError, naming `path`, when it cannot be written.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = path.parent if str(path.parent) else Path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp).replace(path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        raise
