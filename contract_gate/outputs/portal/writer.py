"""Writing the site: each file atomically, and only when its bytes changed; stale files removed.

Files of the last build that this one no longer writes (the pages of services that are gone)
are removed. The manifest (MANIFEST, in the site's folder) lists what the last build wrote, with a digest of
each file: only files listed there are ever removed, so a folder shared with other files keeps them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from contract_gate.atomic import OutputError, write_atomic

MANIFEST = ".contract-gate-portal.json"


@dataclass(frozen=True, slots=True)
class Written:
    """What a build did to the folder."""

    written: int
    unchanged: int
    removed: int


class SiteWriter:
    """Writes files under `root` by relative POSIX path, then `finish` removes what the last build left."""

    def __init__(self, root: Path) -> None:
        if root.exists() and not root.is_dir():
            raise OutputError(f"cannot write the portal to {root}: it is a file, not a folder")
        self.root = root
        self._previous = _read_manifest(root / MANIFEST)
        self._current: dict[str, tuple[str, int]] = {}
        self._written = self._unchanged = 0

    def write(self, name: str, content: str | bytes) -> None:
        """Write `content` to `name` (relative to the root) unless the file already holds exactly it."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        entry = (hashlib.sha256(data).hexdigest(), len(data))
        self._current[name] = entry
        target = self.root / name
        if self._previous.get(name) == entry and _size(target) == len(data):
            self._unchanged += 1
            return
        # Not fsynced: the site is rebuilt from the specs at will, and 3 files a service add up.
        write_atomic(target, data, durable=False)
        self._written += 1

    def finish(self) -> Written:
        """Remove the files of the last build that this one did not write; record this build's files."""
        removed = 0
        for name in sorted(set(self._previous) - set(self._current)):
            path = self.root / name
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only when it became empty
        manifest = {"files": {name: list(entry) for name, entry in sorted(self._current.items())}}
        write_atomic(self.root / MANIFEST, json.dumps(manifest, indent=0, sort_keys=True) + "\n")
        return Written(self._written, self._unchanged, removed)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _read_manifest(path: Path) -> dict[str, tuple[str, int]]:
    """The files the last build wrote; nothing when there is no (readable) manifest.

    Names that could leave the folder (absolute, "..") are ignored, whoever wrote the file.
    """
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    kept: dict[str, tuple[str, int]] = {}
    for name, entry in files.items() if isinstance(files, dict) else ():
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or name in {"", ".", MANIFEST} or "\\" in name:
            continue
        match entry:
            case [str(digest), int(size)]:
                kept[name] = (digest, size)
    return kept
