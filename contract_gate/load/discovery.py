"""Which files a run looks at: named files, and spec-like files under named folders."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_SKIPPED_DIRS = {"node_modules", "__pycache__"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to check; `explicit` when it was named on the command line."""

    path: Path
    explicit: bool


def discover(inputs: list[Path], exclude: list[str], base: Path) -> list[Candidate]:
    """Named files as they are; folders walked (hidden folders and excludes pruned), sorted."""
    found: dict[Path, Candidate] = {}
    for given in inputs:
        if given.is_dir():
            for path in _walk(given, exclude, base):
                found.setdefault(path.absolute(), Candidate(path, False))
        else:
            found[given.absolute()] = Candidate(given, True)
    return sorted(found.values(), key=lambda c: c.path.as_posix())


def _walk(folder: Path, exclude: list[str], base: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in _SKIPPED_DIRS and not _excluded(here / d, exclude, base)
        )
        files.extend(
            here / name
            for name in sorted(names)
            if name.lower().endswith(SPEC_SUFFIXES) and not _excluded(here / name, exclude, base)
        )
    return files


def _excluded(path: Path, patterns: list[str], base: Path) -> bool:
    if not patterns:
        return False
    try:
        relative = path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(
        fnmatch.fnmatchcase(relative, pattern.rstrip("/")) or fnmatch.fnmatchcase(path.name, pattern)
        for pattern in patterns
    )


def common_root(inputs: list[Path]) -> Path:
    """The deepest folder holding every input (a file counts as its folder)."""
    folders = [str((p if p.is_dir() else p.parent).resolve()) for p in inputs]
    return Path(os.path.commonpath(folders)) if folders else Path.cwd()


def default_ref_root(inputs: list[Path]) -> Path:
    """The top of the git work tree holding every input, else their common root (SPEC §2)."""
    tops = {work_tree_top(p if p.is_dir() else p.parent) for p in inputs}
    top = tops.pop() if len(tops) == 1 else None
    return top if top is not None else common_root(inputs)


def work_tree_top(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` with a `.git` entry, None outside any work tree.

    `.git` is a folder, or a file in a worktree or a submodule; git itself is not run.
    """
    real = folder.resolve()
    for candidate in (real, *real.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
