"""A content cache of per-file results, so an unchanged estate is re-checked in a blink.

An entry is keyed by the tool version, the layout of the pickled classes, the settings, how
the file is named and the SHA-256 of its bytes, and remembers the hash of every file the check
read (the spec and the local files its `$ref`s reach): editing any of them misses. Paths in
keys and entries are relative to the working directory, so a cache restored into another
checkout folder (a CI runner's) still hits.

Entries are pickles signed with an HMAC. The cache folder sits in the working tree, where a
pull request could plant files, and an unsigned pickle would run code; so the key is never
in the tree: it is derived from `CONTRACT_GATE_CACHE_KEY` when set (a CI secret, the same on
every runner), else kept in the user's cache folder. An entry that is not signed with the
key, or does not unpickle, is a miss, and is rewritten.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import hmac
import io
import os
import pickle
import secrets
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path

from contract_gate import __version__
from contract_gate.atomic import write_atomic
from contract_gate.checker import FileResult, Settings
from contract_gate.discovery import Candidate
from contract_gate.loader import display_path

DEFAULT_FOLDER = Path(".contract-gate-cache")
KEY_VARIABLE = "CONTRACT_GATE_CACHE_KEY"
_DIGEST = hashlib.sha256().digest_size
# Config fields that never change one file's result: not part of the key, so that e.g. a CI
# job with another --jobs or cache folder still hits.
_NOT_IN_KEY = frozenset({"cache", "cache_dir", "jobs", "file_timeout", "worker_memory"})


@dataclass
class Cache:
    """Results by content, in one folder; counts what it served and what it missed.

    Files are hashed once per Cache: open one per run.
    """

    folder: Path
    key: bytes
    hits: int = 0
    misses: int = 0
    _hashes: dict[Path, str] = field(default_factory=dict)
    # Entry of each file looked up: forked workers inherit it, and store without recomputing.
    _entries: dict[Candidate, tuple[Settings, Path]] = field(default_factory=dict)
    _settings: tuple[Settings, str] | None = None
    _folder_ready: bool = False

    @classmethod
    def open(cls, folder: Path) -> Cache:
        """The cache in `folder`, signed with CONTRACT_GATE_CACHE_KEY's key, else this user's."""
        return cls(folder, signing_key())

    def lookup(self, candidate: Candidate, settings: Settings) -> FileResult | None:
        """The stored result for this file, when neither it nor anything it read changed."""
        result = self._load(self._entry(candidate, settings))
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
        return result

    def store(
        self, candidate: Candidate, settings: Settings, result: FileResult, pickled: bytes | None = None
    ) -> None:
        """Remember a result (never one of a crashed or timed-out check); `pickled` is its pickle.

        Called in the worker that checked the file, which has pickled the result already.
        """
        if result.internal_error or any(f.rule == "checker-crashed" for f in result.findings):
            return
        # Relative, so that another checkout folder hits (and the spec's hash is known already).
        cwd = str(Path.cwd())
        relative = [_relative(path, cwd) for path in result.dependencies]
        dependencies = [(path, self._hash(Path(path))) for path in relative]
        # Two pickles, one after the other: a lookup unpickles the result only when the
        # dependencies are unchanged.
        payload = pickle.dumps(dependencies, protocol=pickle.HIGHEST_PROTOCOL) + (
            pickled or pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        )
        signature = hmac.new(self.key, payload, hashlib.sha256).digest()
        with contextlib.suppress(OSError):
            if not self._folder_ready:
                self.folder.mkdir(parents=True, exist_ok=True)
                ignore = self.folder / ".gitignore"
                if not ignore.exists():
                    write_atomic(ignore, "*\n", durable=False)
                self._folder_ready = True
            _write_entry(self._entry(candidate, settings), signature + payload)

    def _load(self, entry: Path) -> FileResult | None:
        try:
            blob = entry.read_bytes()
        except OSError:
            return None
        signature, payload = blob[:_DIGEST], blob[_DIGEST:]
        if not hmac.compare_digest(signature, hmac.new(self.key, payload, hashlib.sha256).digest()):
            return None
        try:
            # Signed with our key (see the module doc), but perhaps by other code: a class since
            # renamed or reshaped raises whatever its reconstruction raises.
            stream = io.BytesIO(payload)
            for path, digest in pickle.load(stream):
                if self._hash(Path(path)) != digest:
                    return None
            # A fresh unpickler: one reused for the second pickle would mix up the two memos.
            result = pickle.loads(memoryview(payload)[stream.tell() :])
        except Exception:
            return None
        return result if isinstance(result, FileResult) else None

    def _entry(self, candidate: Candidate, settings: Settings) -> Path:
        known = self._entries.get(candidate)
        if known is not None and known[0] is settings:
            return known[1]
        parts = (
            __version__,
            classes_fingerprint(),
            self._settings_text(settings),
            display_path(candidate.path),
            str(candidate.explicit),
            self._hash(candidate.path),
        )
        name = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        entry = self.folder / f"{name}.pickle"
        self._entries[candidate] = (settings, entry)
        return entry

    def _settings_text(self, settings: Settings) -> str:
        # Serialised once per run, not once per file (lookup and store of every file need it).
        if self._settings is None or self._settings[0] is not settings:
            config = settings.config
            values = [
                f"{f.name}={getattr(config, f.name)!r}"
                for f in dataclasses.fields(config)
                if f.name not in _NOT_IN_KEY
            ]
            text = f"{values}\x1f{_relative(str(settings.ref_root), str(Path.cwd()))}\x1f{settings.reference}"
            self._settings = (settings, text)
        return self._settings[1]

    def _hash(self, path: Path) -> str:
        if path not in self._hashes:
            try:
                self._hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self._hashes[path] = "missing"
        return self._hashes[path]


def _write_entry(path: Path, blob: bytes) -> None:
    """Write an entry in place, with the mode the umask gives new files.

    A run writes one per checked file, so it is kept cheap: no temp file and rename, no fsync.
    An entry torn by a crash or read while being written fails its signature: only a miss.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    with os.fdopen(fd, "wb") as stream:
        stream.write(blob)


def _relative(path: str, cwd: str) -> str:
    """An absolute path relative to the folder `cwd` when inside it, else as it is."""
    if path == cwd:
        return "."
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else path


@functools.cache
def classes_fingerprint(root: type = FileResult) -> str:
    """A digest of every class a cached result pickles: qualified names, fields and their types.

    Computed from the classes themselves (`root` and what its fields' types reach), so an
    entry written by code whose classes differ is never read; the Python version is in it too.
    """
    layouts: dict[str, str] = {}
    pending: list[type] = [root]
    while pending:
        cls = pending.pop()
        name = f"{cls.__module__}.{cls.__qualname__}"
        if name in layouts:
            continue
        if dataclasses.is_dataclass(cls):
            hints = typing.get_type_hints(cls)
            fields = dataclasses.fields(cls)
            layouts[name] = ",".join(f"{f.name}:{hints.get(f.name, f.type)!r}" for f in fields)
            for f in fields:
                pending.extend(_classes_in(hints.get(f.name)))
        elif issubclass(cls, enum.Enum):
            layouts[name] = ",".join(f"{member.name}={member.value!r}" for member in cls)
    text = "\n".join(f"{name}({layout})" for name, layout in sorted(layouts.items()))
    text += f"\npython {sys.version_info[0]}.{sys.version_info[1]}"
    return hashlib.sha256(text.encode()).hexdigest()


def _classes_in(hint: object) -> list[type]:
    """The dataclasses and enums a type hint names, however nested (`tuple[X | None, ...]`)."""
    found: list[type] = []
    if isinstance(hint, type) and (dataclasses.is_dataclass(hint) or issubclass(hint, enum.Enum)):
        found.append(hint)
    for argument in typing.get_args(hint):
        found.extend(_classes_in(argument))
    return found


def signing_key() -> bytes:
    """The HMAC key: from CONTRACT_GATE_CACHE_KEY when set, else the user's key file."""
    shared = os.environ.get(KEY_VARIABLE, "")
    if shared:
        return hashlib.sha256(b"contract-gate cache key\x00" + shared.encode()).digest()
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
