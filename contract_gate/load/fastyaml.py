"""The fast YAML path: rapidyaml parses, positions are computed only for pointers asked about.

rapidyaml builds its tree in C++ about thirty times faster than libyaml composes
nodes, and keeps every scalar where it was in the source buffer, so a finding's
position comes from the byte offset of its key or value. It takes the files real
specs are made of: block and flow YAML without aliases, merge keys or duplicate
keys. Anything else, and anything it refuses, returns None and goes to the libyaml
path (yamlparse), which reports errors and limits with their positions; so the data
is the same whichever path read a file.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from contract_gate.load import pointer as jp
from contract_gate.load.limits import Limits, SourceError
from contract_gate.load.positions import Locator, YamlLocator
from contract_gate.load.yamlparse import may_need_repair, parse_yaml, resolve_plain

try:
    import ryml  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - no wheel for this platform: the libyaml path reads all
    ryml = None

try:
    _LIBC: Any = ctypes.CDLL(None)
except OSError:  # pragma: no cover - no C library to flush: rapidyaml's messages could leak
    _LIBC = None

# libyaml also breaks lines at a lone CR, NEL, LS and PS, inside scalars too.
_LONE_CR = re.compile("\r(?!\n)")
# Deeper than this, the libyaml path reads the file: it measures nesting without recursing.
_MAX_FAST_DEPTH = 200


@dataclass
class FastYaml:
    """Data read by rapidyaml and the locator over its tree."""

    data: Any
    locator: Locator


class _Unsupported(Exception):
    """The file uses YAML the fast path leaves to libyaml."""


def parse_fast(text: str, limits: Limits, utf8: bytes | None = None) -> FastYaml | None:
    """Parse one YAML document with rapidyaml; None when the libyaml path must read it.

    `utf8` is the text's UTF-8 encoding when the caller has it (the file's bytes).
    """
    if ryml is None or _LIBC is None:
        return None
    raw = utf8 if utf8 is not None else text.encode("utf-8")
    if (
        may_need_repair(text, raw)
        or _unusual_breaks(text)
        or _tabs_as_separators(text)
        or _flow_question(text)
        or _stacked_tags(text)
        or _empty_anchor(text)
        or _block_header_comment(text)
    ):
        return None
    source = bytearray(raw)  # rapidyaml unescapes and folds scalars in this copy
    try:
        with _quiet():
            tree = ryml.parse_in_place(source)
            if _may_hold_properties(text) and _holds_properties(tree):
                return None
            root = _document_root(tree)
            if tree.size() > limits.max_nodes:
                return None
            # rapidyaml writes JSON in C++ and orjson reads it: far faster than visiting each
            # node from Python. Its JSON keeps quoted scalars as strings; the plain scalars it
            # may have typed otherwise than the YAML 1.2 core schema are strings, re-read below.
            json_text = "null" if root is None else ryml.emit_json(tree, root)
        data = None
        if root is not None:
            verifier = _Verifier(tree, root, min(limits.max_depth, _MAX_FAST_DEPTH))
            data = verifier.verify(orjson.loads(json_text))
    except (_Unsupported, ryml.ExceptionBasic, orjson.JSONDecodeError, TypeError, ValueError):
        return None
    return FastYaml(data, RymlLocator(tree, root, source, raw, text, limits))


def _unusual_breaks(text: str) -> bool:
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return True
    return "\r" in text and _LONE_CR.search(text) is not None


def _tabs_as_separators(text: str) -> bool:
    """Whether a tab indents a line or follows an indicator: rapidyaml and libyaml disagree there."""
    return "\t" in text and _TAB_SEPARATOR.search(text) is not None


def _may_hold_properties(text: str) -> bool:
    """Whether the text may hold an anchor or a tag: `&` or `!` after a separator, not before a space.

    HTML entities and Markdown images in descriptions look the same; `_holds_properties`
    asks the tree which it is.
    """
    for mark in "&!":
        at = text.find(mark)
        while at >= 0:
            if (at == 0 or text[at - 1] in _SEPARATORS) and text[at + 1 : at + 2] not in _BLANKS:
                return True
            at = text.find(mark, at + 1)
    return False


def _stacked_tags(text: str) -> bool:
    """Whether a tag may follow another one: rapidyaml 0.15 crashes on some.

    A node has at most one tag, but four tags in a row (`{! ! ! ! x}`, or three after a
    tagged key, across lines and comments too) make rapidyaml crash the process (SIGSEGV).
    Found by `make fuzz-rapidyaml`, which also found no crash with anchors among the tags;
    libyaml reads such text instead and reports it with its place.
    """
    return "!" in text and _STACKED_TAGS.search(text) is not None


def _empty_anchor(text: str) -> bool:
    """Whether `&` starts a token with no name after it (`a: & b`, `[& ,]`).

    libyaml refuses an anchor without a name; rapidyaml reads the text on. Such a file is
    left to libyaml, which reports it with its place. Found by tests/test_fuzz.py's mutations.
    """
    return "&" in text and _EMPTY_ANCHOR.search(text) is not None


def _block_header_comment(text: str) -> bool:
    """Whether a block scalar's header line has a comment holding `-`, `+` or a digit.

    rapidyaml 0.15 takes them for the header's indicators: `a: |  # x-y` loses the final
    line break (strip chomping). libyaml reads the comment as a comment.
    """
    return "#" in text and _BLOCK_HEADER_COMMENT.search(text) is not None


def _holds_properties(tree: Any) -> bool:
    """Whether a node has an anchor or a tag (rare in specs).

    rapidyaml reads some of those otherwise than libyaml (an anchor or a tag on an empty node).
    """
    properties = _PROPERTIES
    kind = tree.type
    return any(kind(node) & properties for node in range(tree.size()))


def _flow_question(text: str) -> bool:
    """Whether `?` follows `[`, `{` or `,`: libyaml reads `[?x]` as a mapping, rapidyaml as a string."""
    at = text.find("?")
    while at >= 0:
        before = at - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        if before >= 0 and text[before] in "[{,":
            return True
        at = text.find("?", at + 1)
    return False


_SEPARATORS = frozenset(" \t\r\n[{,")
# A tag (`!tag`, `!!str`, a bare `!`) then blanks, line breaks or comments, then another tag.
_STACKED_TAGS = re.compile(r"(?:^|(?<=[\s\[{,]))!\S*(?:\s|#[^\n]*)+!")
# `&` where a token starts (a line's start, after `: `, `- `, `? `, `[`, `{` or `,`), then a blank,
# a flow indicator or the line's end: an anchor without a name.
_EMPTY_ANCHOR = re.compile(r"(?:^[ \t]*|[:?-][ \t]+|[\[{,][ \t]*)&(?=[\s,\]}]|$)", re.MULTILINE)
# `|` or `>` with its indicators, then a comment on the same line that holds an indicator's character.
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]{0,2}[ \t]+#[^\n]*[-+0-9]")
_TAB_SEPARATOR = re.compile(r"^[ \t?:-]*\t|[:-]\t", re.MULTILINE)
_BLANKS = frozenset([" ", "\t"])


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Send what rapidyaml prints on the C streams (why it refuses a text) nowhere."""
    _LIBC.fflush(None)
    saved = [os.dup(1), os.dup(2)]
    try:
        with Path(os.devnull).open("wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        _LIBC.fflush(None)
        for fd, copy in ((1, saved[0]), (2, saved[1])):
            os.dup2(copy, fd)
            os.close(copy)


def _document_root(tree: Any) -> int | None:
    """The node of the single document's content; None for an empty document."""
    root = tree.root_id()
    if tree.type(root) & _STREAM_ONLY:
        if tree.num_children(root) != 1:
            raise _Unsupported("not exactly one document")
        root = tree.first_child(root)
    if not tree.type(root) & (ryml.MAP | ryml.SEQ | ryml.VAL):
        return None
    return int(root)


_STREAM_ONLY = _MAP = _SEQ = _VAL = _REF = _PLAIN_VALUE = _PROPERTIES = 0
# (plain, quoted, tagged/anchored/alias) flags of a value, and of a key.
_VALUE_STYLES = _KEY_STYLES = (0, 0, 0)
if ryml is not None:
    _VALUE_STYLES = (ryml.VAL_PLAIN, ryml.VAL_SQUO | ryml.VAL_DQUO, ryml.VALTAG | ryml.VALANCH | ryml.VALREF)
    _KEY_STYLES = (ryml.KEY_PLAIN, ryml.KEY_SQUO | ryml.KEY_DQUO, ryml.KEYTAG | ryml.KEYANCH | ryml.KEYREF)
    _STREAM_ONLY = ryml.STREAM & ~ryml.SEQ  # STREAM is a flag of its own plus SEQ
    _MAP, _SEQ, _VAL, _PLAIN_VALUE = ryml.MAP, ryml.SEQ, ryml.VAL, ryml.VAL_PLAIN
    _REF = ryml.KEYREF | ryml.VALREF
    _PROPERTIES = ryml.KEYANCH | ryml.VALANCH | ryml.KEYTAG | ryml.VALTAG
# Strings the JSON may hold for a plain scalar that the core schema reads otherwise: `~`,
# `Null`, `TRUE`, `0x1F`, `007`, `.NaN` (written as ".nan"), or an alias (`*name`).
_SUSPECT_WORDS = frozenset({"~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"})
# A plain scalar may not start with these (`:` only in flow), but rapidyaml takes some of them
# where libyaml refuses: a file with one is left to libyaml.
_NOT_PLAIN_START = frozenset("]}@`%:")
_NUMBER_START = frozenset("-+.0123456789")
_SUSPECT_START = _NUMBER_START | frozenset("*") | _NOT_PLAIN_START
# Keys: aliases, merge keys, the float words rapidyaml rewrites (`inf` -> ".inf"), bad starts.
_SUSPECT_KEY_START = frozenset("*<.-+") | _NOT_PLAIN_START
# orjson reads integers past 64 bits as floats: such a float may have been written as an integer.
_BIG = 2.0**63


class _Verifier:
    """Checks rapidyaml's JSON against its tree and reads suspect scalars again from the tree.

    The data is visited in document order, which is the order of rapidyaml's node ids,
    so each value's node is known without asking the tree; the count of values must
    match the tree's (a duplicate key, which JSON collapses, fails that), and a value
    read again must be where its key says.
    """

    def __init__(self, tree: Any, root: int, max_depth: int) -> None:
        self.tree = tree
        self.root = root
        self.max_depth = max_depth

    def verify(self, data: Any) -> Any:
        """The data, corrected where the JSON typed a plain scalar otherwise."""
        if type(data) is dict or type(data) is list:
            end = self._container(data, 0, self.root)
        else:
            end = self.root + 1
            if (type(data) is str and _suspect(data)) or type(data) is float:
                data = self._reread(self.root, None)
        if end != self.tree.size():
            raise _Unsupported("duplicate keys or an unexpected tree")
        return data

    def _container(self, container: dict[str, Any] | list[Any], depth: int, node: int) -> int:
        """Verify a container whose node is `node`; the id after its last descendant."""
        if depth >= self.max_depth:
            raise _Unsupported("deep nesting")
        node += 1  # the first child's
        # `_suspect`'s first test inlined, its sets as locals: these loops run once per value of the file.
        suspect_start, suspect_words, big = _SUSPECT_START, _SUSPECT_WORDS, _BIG
        if isinstance(container, dict):
            for key, value in container.items():
                if not key or key[:1] in _SUSPECT_KEY_START:
                    self._check_key(node, key)
                kind = type(value)
                if kind is dict or kind is list:
                    node = self._container(value, depth + 1, node)
                    continue
                if (
                    kind is str and (value[:1] in suspect_start or value in suspect_words) and _suspect(value)
                ) or (kind is float and not -big < value < big):
                    container[key] = self._reread(node, key)
                node += 1
            return node
        for index, value in enumerate(container):
            kind = type(value)
            if kind is dict or kind is list:
                node = self._container(value, depth + 1, node)
                continue
            if (
                kind is str and (value[:1] in suspect_start or value in suspect_words) and _suspect(value)
            ) or (kind is float and not -big < value < big):
                container[index] = self._reread(node, index)
            node += 1
        return node

    def _check_key(self, node: int, key: str) -> None:
        """`*/*` is a media type; `*name` unquoted is an alias, `<<` a merge key, `inf` a word.

        An empty key is left to libyaml too: rapidyaml reads `[:]` as a mapping.
        """
        kind = self.tree.type(node)
        if not key or key == "<<" or kind & ryml.KEYREF or self._key_of(node) != key:
            raise _Unsupported("merge key, alias key, rewritten key or a node out of order")
        if kind & ryml.KEY_PLAIN and key[:1] in _NOT_PLAIN_START:
            raise _Unsupported("a plain key libyaml refuses")

    def _key_of(self, node: int) -> str:
        return str(self.tree.key(node), "utf-8")

    def _reread(self, node: int, key: str | int | None) -> Any:
        tree = self.tree
        kind = tree.type(node)
        if not kind & _VAL or kind & _REF:
            raise _Unsupported("an alias, or a node out of order")
        if type(key) is str and self._key_of(node) != key:
            raise _Unsupported("a node out of order")
        text = tree.val(node)
        if text is None:
            return None
        value = str(text, "utf-8")
        if not kind & _PLAIN_VALUE:
            return value
        if value[:1] in _NOT_PLAIN_START:
            raise _Unsupported("a plain scalar libyaml refuses")
        return resolve_plain(value)


def _suspect(value: str) -> bool:
    """Whether the tree must say what a string of the JSON is.

    One that starts like a number ("150ms", "1.4.0") is the same string whether it was written
    plain or quoted, unless the core schema reads it as a number: only then is it asked.
    """
    if value[:1] in _NUMBER_START:
        return type(resolve_plain(value)) is not str
    return value[:1] in _SUSPECT_START or value in _SUSPECT_WORDS


class _Buffer(ctypes.Structure):
    """CPython's Py_buffer: the address behind a memoryview."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.py_object),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


# Fresh function objects (not the attributes ctypes.pythonapi caches for everyone) with their
# argument types declared: ctypes then converts the arguments without guessing, a third faster.
_GET_BUFFER = ctypes.pythonapi["PyObject_GetBuffer"]
_GET_BUFFER.argtypes = [ctypes.py_object, ctypes.POINTER(_Buffer), ctypes.c_int]
_GET_BUFFER.restype = ctypes.c_int
_RELEASE_BUFFER = ctypes.pythonapi["PyBuffer_Release"]
_RELEASE_BUFFER.argtypes = [ctypes.POINTER(_Buffer)]
_RELEASE_BUFFER.restype = None


def _address(view: Any, buffer: Any) -> int:
    """The address of the first byte of a buffer; `buffer` a `ctypes.pointer(_Buffer())` to reuse."""
    _GET_BUFFER(view, buffer, 0)
    try:
        return int(buffer.contents.buf or 0)
    finally:
        _RELEASE_BUFFER(buffer)


# (the deepest node a pointer leads to, its type, whether its parent is a mapping, whether the
# whole pointer led there)
_Place = tuple[int, int, bool, bool]


class RymlLocator:
    """Positions from the offsets of keys and scalars in the parsed buffer.

    Where a position is not one scalar's start (block scalars, empty values, flow
    collections), it asks libyaml's nodes instead, composed once on first need.
    """

    def __init__(
        self, tree: Any, root: int | None, source: bytearray, raw: bytes, text: str, limits: Limits
    ) -> None:
        self.tree = tree
        self.root = root  # the document's content node, found once by parse_fast
        self.source = source
        self.raw = raw
        self.text = text
        self.limits = limits
        self._buffer = ctypes.pointer(_Buffer())
        self._base = _address(source, self._buffer)
        self._ascii = len(raw) == len(text)  # then a column is a byte count
        self._line_starts: list[int] | None = None
        self._slow: Locator | None = None
        # pointer -> where it leads (see `_place`): a spec's estate anchors are dozens of
        # pointers into the same few operations, so each prefix is walked once.
        self._places: dict[str, _Place] = {}

    def locate(self, pointer: str) -> tuple[int, int]:
        """See `Locator.locate`."""
        offset = self._offset(pointer)
        return self._line_col(offset) if offset is not None else self._libyaml().locate(pointer)

    def _place(self, pointer: str) -> _Place:
        """Where `pointer` leads (`_Place`): its deepest node that exists."""
        place = self._places.get(pointer)
        if place is None:
            tree = self.tree
            if not pointer:
                assert self.root is not None
                place = (self.root, tree.type(self.root), False, True)
            else:
                head, _, token = pointer.rpartition("/")
                parent = self._place(head)
                node, kind, _, whole = parent
                child = self._step(node, kind, jp.unescape(token)) if whole else ryml.NONE
                if child != ryml.NONE:
                    place = (child, tree.type(child), bool(kind & _MAP), True)
                else:
                    place = (node, kind, parent[2], False)
            self._places[pointer] = place
        return place

    def _step(self, node: int, kind: int, token: str) -> int:
        """The child `token` names in `node` (of type `kind`), or ryml.NONE."""
        tree = self.tree
        if kind & _MAP:
            return int(tree.find_child(node, token))
        if kind & _SEQ and token.isdigit() and int(token) < tree.num_children(node):
            return int(tree.child(node, int(token)))
        return int(ryml.NONE)

    def _offset(self, pointer: str) -> int | None:
        if self.root is None:
            return None
        tree = self.tree
        node, kind, in_mapping, _ = self._place(pointer)
        if not kind & (_MAP | _SEQ):
            return self._scalar_start(tree.val(node), kind, _VALUE_STYLES)
        if in_mapping:
            return self._scalar_start(tree.key(node), kind, _KEY_STYLES)
        first = tree.first_child(node)
        if kind & _MAP and tree.is_block(node) and first != ryml.NONE and not kind & _VALUE_STYLES[2]:
            return self._scalar_start(tree.key(first), tree.type(first), _KEY_STYLES)  # its first key
        return None

    def _key_offset(self, pointer: str) -> int | None:
        """Where the key of the mapping entry at `pointer` starts; None if it is not one."""
        if self.root is None or not pointer:
            return None
        node, kind, in_mapping, whole = self._place(pointer)
        if not whole or not in_mapping:
            return None
        return self._scalar_start(self.tree.key(node), kind, _KEY_STYLES)

    def _scalar_start(self, text: Any, kind: int, styles: tuple[int, int, int]) -> int | None:
        """Where a plain or quoted scalar starts; None where libyaml's answer differs (tags, anchors)."""
        plain, quoted, decorated = styles
        if text is None or not len(text) or kind & decorated:
            return None
        offset = _address(text, self._buffer) - self._base
        if not 0 <= offset < len(self.source):
            return None  # unescaped into rapidyaml's own memory
        if kind & plain:
            return offset
        if kind & quoted:
            return offset - 1  # at the opening quote
        return None

    def _line_col(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            lengths = (len(line) + 1 for line in self.raw.split(b"\n"))
            self._line_starts = list(itertools.accumulate(lengths, initial=0))
        line = bisect.bisect_right(self._line_starts, offset)
        start = self._line_starts[line - 1]
        if self._ascii:
            return line, offset - start + 1
        return line, len(self.raw[start:offset].decode("utf-8", "replace")) + 1

    def _libyaml(self) -> Locator:
        if self._slow is None:
            try:
                self._slow = YamlLocator(parse_yaml(self.text, self.limits).root)
            except SourceError:
                # libyaml refuses what rapidyaml read. parse_fast leaves every such construct
                # known to libyaml; this is the net for one not found yet: a finding keeps
                # the nearest place rapidyaml knows instead of crashing the check.
                self._slow = _Enclosing(self)
        return self._slow


class _Enclosing:
    """Positions of the nearest enclosing node rapidyaml has an offset for; else 1:1."""

    def __init__(self, fast: RymlLocator) -> None:
        self.fast = fast

    def locate(self, pointer: str) -> tuple[int, int]:
        """See `Locator.locate`: the node's key when it has one, else its nearest known ancestor."""
        while pointer:
            offset = self.fast._key_offset(pointer)
            pointer = pointer.rpartition("/")[0]
            if offset is None:
                offset = self.fast._offset(pointer)
            if offset is not None:
                return self.fast._line_col(offset)
        return 1, 1
