"""Whole runs replayed: a check of an unchanged estate gives its outputs without running again.

The per-file records (`cache.py`) spare a warm run the parsing and validating, but the estate
analysis and the reports still cost seconds on thousands of services. A run record holds
what the command printed, wrote and exited with (the caller's bytes), under a name made of the
code, the settings, the caller's options and the content of every file discovered; beside it
the SHA-256 of every file those results were computed from (the targets of `$ref`s too). A later
run with the same name whose files all still hash the same gets the recorded bytes.

Runs that depend on more than their files are never recorded: with `--context` or a snapshot
among the inputs (a snapshot's age decides `snapshot-stale`), or with a file whose check
crashed or timed out (the result cache does not keep such results either). Records are signed with the
cache's key, like its packs, and only the newest few are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import pickle
from collections.abc import Sequence
from pathlib import Path

from contract_gate.atomic import write_atomic
from contract_gate.engine.cache import Cache, read_regular, stamp
from contract_gate.engine.checker import Settings
from contract_gate.load.discovery import Candidate
from contract_gate.snapshot.read import looks_like_snapshot

FOLDER = "runs"
_KEPT = 4  # records kept: a few commands (formats, options) over one estate
_SIGNATURE = hashlib.sha256().digest_size


def run_name(
    cache: Cache, settings: Settings, candidates: list[Candidate], options: Sequence[str]
) -> bytes | None:
    """The name of the record of a run over `candidates`; None when such a run is not recorded.

    `options` are the caller's choices that shape its outputs (formats, where they go).
    """
    if settings.context or any(looks_like_snapshot(c.path, c.explicit) for c in candidates):
        return None
    digest = hashlib.sha256()
    for part in (stamp().hex(), cache.settings_text(settings), str(Path.cwd()), *options):
        digest.update(part.encode() + b"\x1e")
    for candidate in candidates:
        content = cache.file_hash(candidate.path)
        digest.update(f"{candidate.path.as_posix()}\x1f{candidate.explicit}\x1f{content}\x1e".encode())
    return digest.digest()[:16]


def recall(cache: Cache, name: bytes) -> bytes | None:
    """The recorded bytes of the run `name`, when signed with the cache's key and no file it read changed."""
    data = read_regular(_path(cache, name))
    if data is None or len(data) < _SIGNATURE:
        return None
    signature, body = data[:_SIGNATURE], memoryview(data)[_SIGNATURE:]
    expected = hmac.new(cache.key, name, hashlib.sha256)
    expected.update(body)
    if not hmac.compare_digest(signature, expected.digest()):
        return None
    stream = io.BytesIO(body)
    try:
        files = pickle.load(stream)
        if any(cache.file_hash(Path(path)) != digest for path, digest in files):
            return None
    except Exception:
        return None
    return bytes(body[stream.tell() :])


def record(cache: Cache, name: bytes, payload: bytes) -> None:
    """Record a run's bytes with the files its results came from (`Cache.files_read`); best effort.

    Not when a file's result could not be stored (`Cache.all_storable`): a crash or a timeout.
    """
    if not cache.all_storable:
        return
    files = pickle.dumps(sorted(cache.files_read().items()), protocol=pickle.HIGHEST_PROTOCOL)
    signature = hmac.new(cache.key, name, hashlib.sha256)
    signature.update(files)
    signature.update(payload)
    folder = cache.folder / FOLDER
    with contextlib.suppress(OSError):
        # One copy of a payload that can be a hundred MB, not two.
        write_atomic(_path(cache, name), b"".join((signature.digest(), files, payload)), durable=False)
        records = sorted(folder.glob("*.run"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
        for old in records[_KEPT:]:
            old.unlink()


def _path(cache: Cache, name: bytes) -> Path:
    return cache.folder / FOLDER / f"{name.hex()}.run"
