"""Output files are written whole or not at all (temp file in the same folder + rename).

A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO a job reads)
is written in place: renaming over it would replace a device node with a plain file, which
as root breaks every program on the machine that writes to /dev/null.
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

# Pieces made ahead of the one being written.
_PIECES_AHEAD = 4


class OutputError(OSError):
    """An output file could not be written; the message names it and says why.

    An OSError still, so callers that tolerate a failed write (the result cache) keep doing so.
    """


def write_atomic(path: Path, content: str | bytes | Iterable[bytes], durable: bool = True) -> None:
    """Replace `path` with `content` atomically: a crash never leaves half a file.

    `content` may come in pieces (an iterator of bytes): each is written, in a thread of its
    own, while the next is made. A new file gets the mode the umask gives (0644 under umask
    022), an overwritten one keeps its mode. `durable=False` skips the fsync, for files whose
    loss is harmless (cache entries). Raise OutputError, naming `path`, when it cannot be written.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if _is_special(path):
        _write_in_place(path, data)
        return
    folder = path.parent if str(path.parent) else Path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        # mkstemp creates 0600 whatever the umask; readers such as node_exporter or a web
        # server run as other users, so the file gets the mode a plain open() would give it.
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as stream:
            _write(stream, data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        Path(temp).replace(path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def _is_special(path: Path) -> bool:
    """Whether `path` exists and is a device, a pipe or a socket (symlinks followed)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_in_place(path: Path, data: bytes | Iterable[bytes]) -> None:
    try:
        with path.open("wb") as stream:
            _write(stream, data)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _write(stream: BinaryIO, data: bytes | Iterable[bytes]) -> None:
    """Write bytes, or pieces of bytes each while the next is made.

    The kernel's copy runs without the GIL: a report's rendering and its writing overlap.
    """
    if isinstance(data, bytes):
        stream.write(data)
        return
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=_PIECES_AHEAD)
    failures: list[BaseException] = []

    def writer() -> None:
        while (piece := pending.get()) is not None:
            if not failures:  # after a failure, only empty the queue so the maker never blocks
                try:
                    stream.write(piece)
                except BaseException as error:  # raised again in the caller's thread
                    failures.append(error)

    thread = threading.Thread(target=writer, name="contract-gate-writer", daemon=True)
    thread.start()
    try:
        for piece in data:
            if failures:
                break
            pending.put(piece)
    finally:
        pending.put(None)
        thread.join()
    if failures:
        raise failures[0]


def _mode_for(path: Path) -> int:
    """The existing file's permission bits, else those a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    # Elsewhere the only way to read it is to set it; restored at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
