"""A content cache of per-file results, so an unchanged estate is re-checked in a blink.

A result is keyed by the tool version, the layout of the pickled classes, the OpenAPI schemas
validated against (`validate/official.py`), the settings, how the file is named and the SHA-256
of its bytes, and remembers the hash of every file the check read (the spec and the local files
its `$ref`s reach): editing any of them misses. Paths in keys and records are relative to the
working directory, so a cache restored into another checkout folder (a CI runner's) still hits.

Records are pickles signed with an HMAC. The cache folder sits in the working tree, where a
pull request could plant files, and an unsigned pickle would run code; so the key is never
in the tree: it is derived from `CONTRACT_GATE_CACHE_KEY` when set (a CI secret, the same on
every runner), else kept in the user's cache folder. A record that is not signed with the key,
or does not unpickle, is a miss, and is written again.

The folder holds packs (`*.pack`): every process that stores results appends them to a pack
of its own, so a run writes a file per worker, not one per checked file (creating thousands
of small files was most of what a cache cost a cold run). A lookup reads every pack once,
later packs winning. When the packs hold more stale records (older contents of a file, other
versions of contract-gate) than live ones, or are many, the run rewrites the live records into
one pack and deletes the packs it read.

A record: header (stamp, slot, name, size) | HMAC of header and payload | payload, the payload
being two pickles: the files read with their hashes, then the result. The stamp is the code
(version and classes); the slot is the stamp, the settings and the file's name (a newer record
of a slot supersedes older ones); the name adds the file's hash, and is what a lookup asks for.
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
import stat
import struct
import sys
import time
import typing
from dataclasses import dataclass, field
from pathlib import Path

from contract_gate import __version__
from contract_gate.atomic import write_atomic
from contract_gate.engine.checker import FileResult, Settings
from contract_gate.engine.rules import CHECKER_CRASHED
from contract_gate.load.discovery import Candidate
from contract_gate.load.loader import display_path
from contract_gate.validate import official

DEFAULT_FOLDER = Path(".contract-gate-cache")
KEY_VARIABLE = "CONTRACT_GATE_CACHE_KEY"
_HEADER = struct.Struct("<8s16s16sI")  # stamp, slot, name, size of what follows
_SIGNATURE = hashlib.sha256().digest_size
_Record = tuple[bytes, memoryview]  # header, signature + payload
# Config fields that never change one file's result: not part of the key, so that e.g. a CI
# job with another --jobs or cache folder still hits.
_NOT_IN_KEY = frozenset(
    {"cache", "cache_dir", "jobs", "file_timeout", "worker_memory", "context", "max_snapshot_age"}
)
_MOST_PACKS = 16  # more packs than this, and a run compacts them
_STALE_SLACK = 1 << 20  # bytes of stale records always tolerated


@dataclass
class Cache:
    """Results by content, in one folder; counts what it served and what it missed.

    Files are hashed and packs read once per Cache: open one per run, and `close` it after.
    """

    folder: Path
    key: bytes
    hits: int = 0
    misses: int = 0
    _hashes: dict[Path, str] = field(default_factory=dict)
    # Slot and name of each file looked up: forked workers inherit them, and store without
    # hashing again.
    _keys: dict[Candidate, tuple[Settings, bytes, bytes]] = field(default_factory=dict)
    _settings: tuple[Settings, str] | None = None
    # What the packs hold: name -> its records (header, signature + payload), oldest first; the
    # latest name of each slot of the current code; the record of a slot a lookup loaded; the
    # packs read; whether to compact them; names none of whose records loaded.
    _records: dict[bytes, list[_Record]] | None = None
    _live: dict[bytes, bytes] = field(default_factory=dict)
    _loaded: dict[bytes, _Record] = field(default_factory=dict)
    _read: list[Path] = field(default_factory=list)
    _compact: bool = False
    _bad: set[bytes] = field(default_factory=set)
    _pack: tuple[int, int] | None = None  # (pid, fd): this process's pack, once it stored
    # Every file the results looked up or noted were computed from: relative path -> SHA-256.
    _files_read: dict[str, str] = field(default_factory=dict)
    _all_storable: bool = True  # no result noted was a crashed or timed-out check
    _opened: int = field(default_factory=time.time_ns)

    @classmethod
    def open(cls, folder: Path) -> Cache:
        """The cache in `folder`, signed with CONTRACT_GATE_CACHE_KEY's key, else this user's."""
        return cls(folder, signing_key())

    def lookup(self, candidate: Candidate, settings: Settings) -> FileResult | None:
        """The stored result for this file, when neither it nor anything it read changed."""
        slot, name = self._key(candidate, settings)
        # The latest record first; an earlier one when it does not load (a pack planted to sort
        # last must not hide the records written since).
        for record in reversed(self._index().get(name, [])):
            result = self._load(record)
            if result is not None:
                self.hits += 1
                self._live[slot], self._loaded[slot] = name, record  # what a compaction keeps
                return result
        self.misses += 1
        self._bad.add(name)
        return None

    def store(
        self, candidate: Candidate, settings: Settings, result: FileResult, pickled: bytes | None = None
    ) -> None:
        """Remember a result (never one of a crashed or timed-out check); `pickled` is its pickle.

        Called in the worker that checked the file, which has pickled the result already.
        """
        if not _storable(result):
            return
        slot, name = self._key(candidate, settings)
        # Relative, so that another checkout folder hits (and the spec's hash is known already).
        cwd = str(Path.cwd())
        relative = [_relative(path, cwd) for path in result.dependencies]
        dependencies = [(path, self.file_hash(Path(path))) for path in relative]
        # Two pickles, one after the other: a lookup unpickles the result only when the
        # dependencies are unchanged.
        payload = pickle.dumps(dependencies, protocol=pickle.HIGHEST_PROTOCOL) + (
            pickled or pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        )
        header = _HEADER.pack(stamp(), slot, name, _SIGNATURE + len(payload))
        signature = hmac.new(self.key, header + payload, hashlib.sha256).digest()
        with contextlib.suppress(OSError):
            _write_all(self._pack_fd(), header + signature + payload)

    def close(self) -> None:
        """End the run: close this process's pack; compact the packs read when it is due."""
        if self._pack is not None and self._pack[0] == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._pack[1])
            self._pack = None
        if not self._compact or self._records is None:
            return
        self._compact = False
        chunks: list[bytes | memoryview] = []
        for slot, name in self._live.items():
            if name not in self._bad:
                chunks += self._loaded.get(slot) or self._records[name][-1]
        with contextlib.suppress(OSError):
            if chunks:
                # Named as of the run's start: the packs this run's workers wrote sort after it,
                # so a record they wrote again wins over the old one kept here.
                write_atomic(self.folder / self._pack_name(self._opened), b"".join(chunks), durable=False)
            for pack in [*self._read, *self.folder.glob("*.pickle")]:  # (*.pickle: the old layout)
                with contextlib.suppress(OSError):
                    pack.unlink()

    def _load(self, record: _Record) -> FileResult | None:
        header, body = record
        signature, payload = body[:_SIGNATURE], body[_SIGNATURE:]
        expected = hmac.new(self.key, header, hashlib.sha256)
        expected.update(payload)
        if not hmac.compare_digest(signature, expected.digest()):
            return None
        try:
            # Signed with our key (see the module doc), but perhaps by other code: a class since
            # renamed or reshaped raises whatever its reconstruction raises.
            stream = io.BytesIO(payload)
            dependencies = pickle.load(stream)
            for path, digest in dependencies:
                if self.file_hash(Path(path)) != digest:
                    return None
            # A fresh unpickler: one reused for the second pickle would mix up the two memos.
            result = pickle.loads(payload[stream.tell() :])
        except Exception:
            return None
        if not isinstance(result, FileResult):
            return None
        self._files_read.update(dependencies)
        return result

    def note_read(self, results: list[FileResult]) -> None:
        """Remember the files these freshly checked results were computed from (`files_read`).

        A result that is not `_storable` makes the run one not to record (`all_storable`).
        """
        cwd = str(Path.cwd())
        for result in results:
            self._all_storable = self._all_storable and _storable(result)
            for path in result.dependencies:
                relative = _relative(path, cwd)
                self._files_read[relative] = self.file_hash(Path(relative))

    @property
    def all_storable(self) -> bool:
        """Whether every result this run computed could be stored (see `_storable`)."""
        return self._all_storable

    def files_read(self) -> dict[str, str]:
        """Relative path -> SHA-256 of every file the results of this run came from."""
        return dict(self._files_read)

    def _index(self) -> dict[bytes, list[_Record]]:
        """Every record of every pack, read once, by name; oldest first."""
        if self._records is not None:
            return self._records
        self._records = {}
        try:
            packs = sorted(self.folder.glob("*.pack"))
            self._compact = any(self.folder.glob("*.pickle"))
        except OSError:
            packs = []
        total = 0
        current = stamp()
        for pack in packs:
            data = read_regular(pack)
            if data is None:
                continue
            self._read.append(pack)
            view, at = memoryview(data), 0
            while at + _HEADER.size <= len(data):
                written_by, slot, name, size = _HEADER.unpack_from(data, at)
                end = at + _HEADER.size + size
                if size < _SIGNATURE or end > len(data):
                    break  # torn by a crash: the rest of this pack is lost
                record = (bytes(view[at : at + _HEADER.size]), view[at + _HEADER.size : end])
                self._records.setdefault(name, []).append(record)
                if written_by == current:
                    self._live[slot] = name
                total += end - at
                at = end
        live = sum(_HEADER.size + len(self._records[name][-1][1]) for name in set(self._live.values()))
        self._compact |= len(self._read) > _MOST_PACKS or total > 2 * live + _STALE_SLACK
        return self._records

    def _pack_fd(self) -> int:
        if self._pack is None or self._pack[0] != os.getpid():  # a forked worker opens its own
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                write_atomic(ignore, "*\n", durable=False)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW
            fd = os.open(self.folder / self._pack_name(time.time_ns()), flags, 0o666)  # the umask applies
            self._pack = (os.getpid(), fd)
        return self._pack[1]

    @staticmethod
    def _pack_name(nanoseconds: int) -> str:
        # Sorted by name is sorted by time: later packs win.
        return f"{nanoseconds:016x}-{os.getpid()}-{secrets.token_hex(4)}.pack"

    def _key(self, candidate: Candidate, settings: Settings) -> tuple[bytes, bytes]:
        """(slot, name) of a file's record."""
        known = self._keys.get(candidate)
        if known is not None and known[0] is settings:
            return known[1], known[2]
        slot_parts = (stamp().hex(), self.settings_text(settings), display_path(candidate.path))
        slot = hashlib.sha256("\x1f".join((*slot_parts, str(candidate.explicit))).encode()).digest()[:16]
        name = hashlib.sha256(slot + self.file_hash(candidate.path).encode()).digest()[:16]
        self._keys[candidate] = (settings, slot, name)
        return slot, name

    def settings_text(self, settings: Settings) -> str:
        """The settings a result depends on, as text: part of every record's name.

        Serialised once per run, not once per file (lookup and store of every file need it).
        """
        if self._settings is None or self._settings[0] is not settings:
            config = settings.config
            values = [
                f"{f.name}={getattr(config, f.name)!r}"
                for f in dataclasses.fields(config)
                if f.name not in _NOT_IN_KEY
            ]
            cwd = str(Path.cwd())
            mapped = [(prefix, _relative(str(folder), cwd)) for prefix, folder in settings.ref_map]
            text = f"{values}\x1f{_relative(str(settings.ref_root), cwd)}\x1f{mapped}\x1f{settings.reference}"
            self._settings = (settings, text)
        return self._settings[1]

    def file_hash(self, path: Path) -> str:
        """The SHA-256 of a file's bytes as this run first read them ("missing": unreadable)."""
        if path not in self._hashes:
            try:
                self._hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self._hashes[path] = "missing"
        return self._hashes[path]


def _storable(result: FileResult) -> bool:
    """Whether a result may be kept: never that of a check that crashed or ran out of time or memory.

    Another run, with more time or memory (not part of any key), may finish it.
    """
    return not result.internal_error and not any(f.rule == CHECKER_CRASHED.id for f in result.findings)


def read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file, never through a symlink (one planted to /dev/zero)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as stream:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return stream.read()
        except OSError:
            return None


def _write_all(fd: int, data: bytes) -> None:
    """Append a record with as few writes as the kernel allows (one, for a regular file)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _relative(path: str, cwd: str) -> str:
    """An absolute path relative to the folder `cwd` when inside it, else as it is."""
    if path == cwd:
        return "."
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else path


def stamp() -> bytes:
    """The code a record was written by: contract-gate's version, its pickled classes, the OpenAPI schemas."""
    code = f"{__version__}\x1f{classes_fingerprint()}\x1f{official.version_line()}"
    return hashlib.sha256(code.encode()).digest()[:8]


@functools.cache
def classes_fingerprint(root: type = FileResult) -> str:
    """A digest of every class a cached result pickles: qualified names, fields and their types.

    Computed from the classes themselves (`root` and what its fields' types reach), so a
    record written by code whose classes differ is never read; the Python version is in it too.
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
