"""Confined `$ref` resolution: local files under the ref root only, nothing remote.

Every reference of a spec (and of the local files it pulls in) is checked once:
remote or out-of-root targets (and anything under a `.git` folder) are
`ref-forbidden` and never opened; a URL under a `ref-map` prefix is read from
the local folder mapped to it, never fetched; missing
targets `ref-unresolved`, chains of references that come back to themselves
`ref-cycle`. The structural validator is then handed a copy of the data in
which those references are replaced by empty objects, and a retrieval hook
that serves only documents this module already loaded, so it cannot fetch or
read anything on its own either (mapped URLs are handed to it as the local
files they stand for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from contract_gate.findings import Problem
from contract_gate.load import pointer as jp
from contract_gate.load.limits import Limits
from contract_gate.load.loader import Document, LoadError, load_document
from contract_gate.load.rules import REF_CYCLE, REF_FORBIDDEN, REF_UNRESOLVED

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_CHAIN = 1000  # references to references; loops are caught long before
RefMap = tuple[tuple[str, Path], ...]  # (URL prefix, local folder), longest prefix first


@dataclass(frozen=True, slots=True)
class Target:
    """Where a reference leads: the document and the pointer inside it."""

    document: Document
    pointer: str
    value: Any


@dataclass
class _Checked:
    problems: list[Problem] = field(default_factory=list)
    broken: list[tuple[str, ...]] = field(default_factory=list)  # token paths of bad refs
    references: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # every $ref
    mapped: dict[tuple[str, ...], str] = field(default_factory=dict)  # token path -> local file URI


class RefResolver:
    """Loads referenced local files (confined to `root`) and checks every reference once."""

    def __init__(self, root: Path, limits: Limits, reference: bool = False, ref_map: RefMap = ()) -> None:
        self.root = root.resolve()
        self.ref_map = ref_map
        self.limits = limits
        self.reference = reference
        self._documents: dict[Path, Document | LoadError] = {}
        self._checked: dict[Path, _Checked] = {}
        self._sanitized: dict[Path, Any] = {}
        self._real: dict[Path, Path] = {}

    def real(self, path: Path) -> Path:
        """`path.resolve()`, worked out once per path."""
        # Each costs a system call per folder on the way, and one file check asks a dozen times.
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = path.resolve()
        return real

    def inside_root(self, path: Path) -> bool:
        """Whether a real path (symlinks followed) lies under the ref root."""
        real = self.real(path)
        return real == self.root or self.root in real.parents

    def attempted(self) -> list[str]:
        """Real paths of every file a reference named, read or not (missing ones too)."""
        return [str(path) for path in self._documents]

    def documents(self) -> list[Document]:
        """Every document loaded so far (the spec and the local files it reaches)."""
        return [d for d in self._documents.values() if isinstance(d, Document)]

    def register(self, document: Document) -> None:
        """Make an already loaded document known, so refs to it reuse it."""
        self._documents[self.real(document.path)] = document

    def check(self, document: Document) -> list[Problem]:
        """All reference problems of a document and of the local files it reaches."""
        self.register(document)
        problems: list[Problem] = []
        pending = [document]
        seen: set[Path] = set()
        while pending:
            current = pending.pop()
            key = self.real(current.path)
            if key in seen:
                continue
            seen.add(key)
            checked = self._check_one(current)
            problems.extend(checked.problems)
            pending.extend(d for d in self.documents() if self.real(d.path) not in seen)
        return problems

    def follow(self, document: Document, ref: str) -> Target | None:
        """The target of one reference, or None when it is forbidden, missing or a cycle."""
        return self._chain(document, ref)[0]

    def _chain(self, document: Document, ref: str) -> tuple[Target | None, str]:
        """Follow a chain of references to a value: (target, "") or (None, why it stops)."""
        # One Document object per real path (see _load), so identity stands for the file here:
        # resolving the path again for each of a large spec's thousands of refs costs seconds.
        seen: set[tuple[int, str]] = set()
        current_doc, current_ref = document, ref
        for _ in range(_MAX_CHAIN):
            outcome = self._resolve(current_doc, current_ref)
            if not isinstance(outcome, Target):
                return None, "broken"  # reported where that reference is written
            key = (id(outcome.document), outcome.pointer)
            if key in seen:
                return None, "cycle"
            seen.add(key)
            nested = outcome.value.get("$ref") if isinstance(outcome.value, dict) else None
            if not isinstance(nested, str):
                return outcome, ""
            current_doc, current_ref = outcome.document, nested
        return None, "too long"

    def references(self, document: Document) -> list[tuple[tuple[str, ...], str]]:
        """Every `$ref` of a document: the token path of the object holding it, and the ref."""
        checked = self._checked.get(self.real(document.path)) or self._check_one(document)
        return checked.references

    def broken_pointers(self, document: Document) -> list[str]:
        """Pointers of the reference objects `sanitized` empties in this document."""
        checked = self._checked.get(self.real(document.path)) or self._check_one(document)
        return [jp.join(*tokens) for tokens in checked.broken]

    def sanitized(self, document: Document) -> Any:
        """The document's data with forbidden, missing and cyclic references emptied.

        A reference to a mapped URL points at the local file it is read from instead.
        """
        key = self.real(document.path)
        if key not in self._sanitized:
            checked = self._checked.get(key) or self._check_one(document)
            edits: dict[tuple[str, ...], Any] = {tokens: {} for tokens in checked.broken}
            for tokens, uri in checked.mapped.items():
                holder = cast(dict[str, Any], jp.resolve(document.data, tokens)[1])
                edits.setdefault(tokens, {**holder, "$ref": uri})
            self._sanitized[key] = _replace(document.data, edits)
        return self._sanitized[key]

    def retrieve(self, uri: str) -> Any:
        """The validator's only way to read a referenced file: already-checked documents."""
        parts = urlsplit(uri)
        if parts.scheme != "file":
            return {}
        path = Path(unquote(parts.path))
        loaded = self._documents.get(self.real(path)) if self.inside_root(path) else None
        return self.sanitized(loaded) if isinstance(loaded, Document) else {}

    def _check_one(self, document: Document) -> _Checked:
        key = self.real(document.path)
        if key in self._checked:
            return self._checked[key]
        checked = _Checked()
        self._checked[key] = checked
        checked.references = _references(document.data)
        for tokens, ref in checked.references:
            where = jp.join(*tokens, "$ref")
            outcome = self._resolve(document, ref)
            if isinstance(outcome, Problem):
                checked.problems.append(Problem(outcome.rule, outcome.message, document.display, where))
                checked.broken.append(tokens)
            else:
                if self._mapping(ref) is not None:
                    fragment = ref.partition("#")[2]
                    uri = self.real(outcome.document.path).as_uri()
                    checked.mapped[tokens] = f"{uri}#{fragment}" if fragment else uri
                if self._chain(document, ref)[1] == "cycle":
                    message = (
                        f'$ref "{_shown(ref)}" leads into a cycle of references that never reaches a value'
                    )
                    checked.problems.append(Problem(REF_CYCLE, message, document.display, where))
                    checked.broken.append(tokens)
        return checked

    def _resolve(self, document: Document, ref: str) -> Target | Problem:
        """One step: where `ref`, written in `document`, points."""
        shown = _shown(ref)
        if ref.startswith("#"):
            target_doc, fragment = document, ref[1:]
        else:
            located = self._locate(document, ref)
            if isinstance(located, Problem):
                return located
            real, fragment = self.real(located[0]), located[1]
            if real != self.root and self.root not in real.parents:
                return Problem(
                    REF_FORBIDDEN,
                    f'$ref "{shown}" leaves the ref root {self.root.name or "/"}/; it was not read',
                )
            # The ref root is often a work tree's top: its .git holds no spec, but may hold a token.
            if ".git" in real.relative_to(self.root).parts:
                return Problem(REF_FORBIDDEN, f'$ref "{shown}" leads into a .git folder; it was not read')
            loaded = self._load(real)
            if isinstance(loaded, LoadError):
                return Problem(REF_UNRESOLVED, f'$ref "{shown}": {loaded}')
            target_doc = loaded
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            return Problem(REF_UNRESOLVED, f'$ref "{shown}": only JSON-pointer fragments are supported')
        found, value = jp.resolve(target_doc.data, jp.split(fragment))
        if not found:
            where = "" if target_doc is document else f" in {target_doc.display}"
            return Problem(REF_UNRESOLVED, f'$ref "{shown}": nothing at "{fragment or "/"}"{where}')
        return Target(target_doc, fragment, value)

    def _locate(self, document: Document, ref: str) -> tuple[Path, str] | Problem:
        """The local file a reference to another document names (not yet confined), and its fragment."""
        mapping = self._mapping(ref)
        path_part, _, fragment = ref.partition("#")
        if mapping is not None:
            mapped = _mapped_path(ref, *mapping)
            return mapped if isinstance(mapped, Problem) else (mapped, fragment)
        if _SCHEME.match(ref) and not ref.lower().startswith("file:"):
            return Problem(
                REF_FORBIDDEN,
                f'$ref "{_shown(ref)}" is remote; remote references are never fetched — bundle it'
                " locally, or map its URL prefix to a local folder with ref-map",
            )
        if ref.lower().startswith("file:"):
            return Path(unquote(urlsplit(path_part).path)), fragment
        return document.path.parent / unquote(path_part), fragment

    def _mapping(self, ref: str) -> tuple[str, Path] | None:
        """The ref-map entry (prefix, folder) whose prefix `ref` starts with, the longest first."""
        if self.ref_map and _SCHEME.match(ref):
            return next(((p, f) for p, f in self.ref_map if ref.startswith(p)), None)
        return None

    def _load(self, path: Path) -> Document | LoadError:
        real = self.real(path)
        if real not in self._documents:
            if not real.is_file():
                self._documents[real] = LoadError(REF_UNRESOLVED, "no such file")
            else:
                try:
                    self._documents[real] = load_document(real, self.limits, reference=self.reference)
                except LoadError as error:
                    self._documents[real] = error
                except OSError as error:
                    self._documents[real] = LoadError(REF_UNRESOLVED, f"cannot read: {error.strerror}")
        return self._documents[real]


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, symlinks followed, is `root` or lies under it."""
    real, base = path.resolve(), root.resolve()
    return real == base or base in real.parents


def _mapped_path(ref: str, prefix: str, folder: Path) -> Path | Problem:
    """The local file a URL under a ref-map prefix is read from, or why there is none."""
    shown = _shown(ref)
    rest = ref.partition("#")[0][len(prefix) :]
    if "?" in rest:
        return Problem(REF_UNRESOLVED, f'$ref "{shown}": a URL with a query cannot be read from ref-map')
    path = folder / unquote(rest)
    if not inside(folder, path):
        return Problem(
            REF_FORBIDDEN, f'$ref "{shown}" leaves the folder ref-map reads {prefix} from; it was not read'
        )
    return path


def _shown(ref: str) -> str:
    return ref if len(ref) <= 120 else ref[:117] + "..."


def _references(data: Any) -> list[tuple[tuple[str, ...], str]]:
    """Every `{"$ref": "..."}` in the data, with its token path; iterative (deep data)."""
    found: list[tuple[int, str]] = []
    # Each container visited is (parent's index, its key) here; paths are spelled out only
    # for the containers holding a $ref, not for every container of a large spec.
    links: list[tuple[int, str]] = [(-1, "")]
    stack: list[tuple[int, Any]] = [(0, data)]
    seen: set[int] = set()
    while stack:
        at, node = stack.pop()
        kind = type(node)
        if kind is not dict and kind is not list:
            continue
        if id(node) in seen:  # shared by YAML aliases: check once
            continue
        seen.add(id(node))
        if kind is dict:
            ref = node.get("$ref")
            if type(ref) is str:
                found.append((at, ref))
            items: Any = node.items()
        else:
            items = enumerate(node)
        for key, value in items:
            child = type(value)
            if child is dict or child is list:
                stack.append((len(links), value))
                links.append((at, key if kind is dict else str(key)))
    return sorted((_path(links, at), ref) for at, ref in found)


def _path(links: list[tuple[int, str]], at: int) -> tuple[str, ...]:
    tokens = []
    while at > 0:
        at, key = links[at]
        tokens.append(key)
    return tuple(reversed(tokens))


def _replace(data: Any, edits: dict[tuple[str, ...], Any]) -> Any:
    """Copy-on-write: the data with the object at each token path replaced by its new value."""
    if not edits:
        return data
    if () in edits:
        return edits[()]
    groups: dict[str, dict[tuple[str, ...], Any]] = {}
    for tokens, value in edits.items():
        groups.setdefault(tokens[0], {})[tokens[1:]] = value
    if isinstance(data, dict):
        copy = dict(data)
        for key, rest in groups.items():
            if key in copy:
                copy[key] = _replace(copy[key], rest)
        return copy
    if isinstance(data, list):
        items = list(data)
        for key, rest in groups.items():
            items[int(key)] = _replace(items[int(key)], rest)
        return items
    return data
