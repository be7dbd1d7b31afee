"""A content cache of per-file results, so an unchanged estate is re-checked in a blink.

An entry is keyed by the tool version, the settings, how the file is named and
the SHA-256 of its bytes, and remembers the hash of every file the check read
(the spec and the local files its `$ref`s reach): editing any of them misses.
Entries are pickles signed with an HMAC whose key lives in the user's cache
folder, outside the repository: the cache folder sits in the working tree,
where a pull request could plant files, and an unsigned pickle would run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from contract_gate import __version__
from contract_gate.atomic import write_atomic
from contract_gate.checker import FileResult, Settings
from contract_gate.discovery import Candidate
from contract_gate.loader import display_path

DEFAULT_FOLDER = Path(".contract-gate-cache")
_DIGEST = hashlib.sha256().digest_size


@dataclass
class Cache:
    """Results by content, in one folder; counts what it served and what it stored."""

    folder: Path
    key: bytes
    hits: int = 0
    misses: int = 0
    _hashes: dict[Path, str] = field(default_factory=dict)
    _settings: tuple[Settings, str] | None = None

    @classmethod
    def open(cls, folder: Path) -> Cache:
        """The cache in `folder`, signed with this user's key (created on first use)."""
        return cls(folder, _signing_key())

    def lookup(self, candidate: Candidate, settings: Settings) -> FileResult | None:
        """The stored result for this file, when neither it nor anything it read changed."""
        entry = self.folder / f"{self._entry_key(candidate, settings)}.pickle"
        try:
            blob = entry.read_bytes()
        except OSError:
            self.misses += 1
            return None
        signature, payload = blob[:_DIGEST], blob[_DIGEST:]
        if not hmac.compare_digest(signature, hmac.new(self.key, payload, hashlib.sha256).digest()):
            self.misses += 1
            return None
        result, dependencies = pickle.loads(payload)  # signed by us: see the module doc
        if any(self._hash(Path(path)) != digest for path, digest in dependencies):
            self.misses += 1
            return None
        self.hits += 1
        return result  # type: ignore[no-any-return]

    def store(self, candidate: Candidate, settings: Settings, result: FileResult) -> None:
        """Remember a result (never one of a crashed or timed-out check)."""
        if result.internal_error or any(f.rule == "checker-crashed" for f in result.findings):
            return
        dependencies = [(path, self._hash(Path(path))) for path in result.dependencies]
        payload = pickle.dumps((result, dependencies), protocol=pickle.HIGHEST_PROTOCOL)
        signature = hmac.new(self.key, payload, hashlib.sha256).digest()
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                write_atomic(ignore, "*\n")
            write_atomic(self.folder / f"{self._entry_key(candidate, settings)}.pickle", signature + payload)

    def _entry_key(self, candidate: Candidate, settings: Settings) -> str:
        parts = (
            __version__,
            self._settings_text(settings),
            display_path(candidate.path),
            str(candidate.explicit),
            self._hash(candidate.path),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def _settings_text(self, settings: Settings) -> str:
        # Serialised once per run, not once per file (lookup and store of every file need it).
        if self._settings is None or self._settings[0] is not settings:
            text = f"{settings.config!r}\x1f{settings.ref_root}\x1f{settings.reference}"
            self._settings = (settings, text)
        return self._settings[1]

    def _hash(self, path: Path) -> str:
        if path not in self._hashes:
            try:
                self._hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self._hashes[path] = "missing"
        return self._hashes[path]


def _signing_key() -> bytes:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "contract-gate"
    key_file = base / "cache-key"
    try:
        key = key_file.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    with contextlib.suppress(OSError):
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(key)
    return key
