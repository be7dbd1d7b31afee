"""YAML text -> plain data, with node positions kept for locating findings.

Composition uses libyaml through PyYAML's C composer (the fastest node parser
measured here); files libyaml rejects but that real tools read (a tab on a
blank line inside a block scalar, C1 control characters) fall back to
ruamel.yaml's pure parser. Plain scalars are resolved with the YAML 1.2 core
schema, as JSON-minded OpenAPI tools do: unquoted dates stay strings and
`yes`/`on` stay words.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from contract_gate.load.limits import LimitExceeded, Limits, SourceError
from contract_gate.load.rules import NESTING_TOO_DEEP, TOO_MANY_NODES


class _PlainResolver(yaml.resolver.BaseResolver):
    """Tags only what the converter needs (merge keys).

    Plain scalars are resolved by YAML 1.2 rules afterwards, so PyYAML's YAML 1.1
    regexes would be wasted work on every scalar.
    """

    # Called by the composer for every node, so it answers from constants.
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is _SCALAR_NODE:
            return _MERGE_TAG if value == "<<" and implicit[0] else _STR_TAG
        return _SEQ_TAG if kind is _SEQUENCE_NODE else _MAP_TAG


try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CComposer(CParser, yaml.constructor.BaseConstructor, _PlainResolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.BaseConstructor.__init__(self)
            _PlainResolver.__init__(self)

    _Composer: Any = _CComposer
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Composer = yaml.SafeLoader

_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_BASED = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}
_NEG_INF = {"-.inf", "-.Inf", "-.INF"}
_NAN = {".nan", ".NaN", ".NAN"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_NULL = {"null", "Null", "NULL", "~", ""}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
_MAP_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SCALAR_NODE, _SEQUENCE_NODE = yaml.ScalarNode, yaml.SequenceNode
_INT_DIGITS = 4000
# Characters YAML forbids in a stream (C0 except tab/newlines, DEL, C1 except NEL, surrogates).
_NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_TAB_ONLY_LINE = re.compile(r"^[ \t]*\t[ \t]*$", re.MULTILINE)
# The same characters in UTF-8: every byte but C0 controls (tab and line breaks allowed) and DEL;
# then C1 controls but NEL (C2 80-9F), surrogates (ED A0-BF) and U+FFFE/U+FFFF (EF BF BE-BF).
_UTF8_ALLOWED_BYTES = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F), *range(0x80, 0x100)])
_UTF8_NON_PRINTABLE = re.compile(b"\xed[\xa0-\xbf]|\xef\xbf[\xbe\xbf]")
_FLOW_BRACKET = re.compile(r"[\[\]{}]")
_LEADING_INDICATORS = re.compile(r"^[ ?-]+", re.MULTILINE)
# libyaml's composer recurses in C: keep well below where it overflows (~20,000 levels).
_SAFE_C_DEPTH = 5000
# Since libyaml 0.2.5 (PyYAML 6.0.4's wheels) the scanner refuses deeper nesting by itself, and
# in flow context it scans up to 1024 characters ahead, so it refuses before emitting any event.
_LIBYAML_MAX_NESTING = 1000
_LIBYAML_DEPTH_REFUSAL = "exceeded maximum nesting depth"
# The parsers' words for a tab where indentation is read (libyaml, then ruamel's "found character '\t' …").
_TAB_PROBLEMS = ("cannot start any token", "tab character")
# What opens the construct a parser's context names, and what closes each opener.
_OPENED_BY = {
    "while parsing a flow mapping": "{",
    "while parsing a flow sequence": "[",
    "while scanning a quoted scalar": "\"'",
}
_CLOSERS = {"{": "}", "[": "]", '"': '"', "'": "'"}


class YamlError(SourceError):
    """The text is not YAML; carries a 1-based position when libyaml gave one."""


@dataclass
class YamlDocument:
    """Parsed YAML: the data, its root node, and what was noticed on the way."""

    data: Any
    root: Any
    duplicate_keys: list[tuple[str, int, int]] = field(default_factory=list)
    # Why a strict parser refused the text (message, line, column), when we read it anyway.
    lenient: tuple[str, int | None, int | None] | None = None


def parse_yaml(text: str, limits: Limits, reference: bool = False) -> YamlDocument:
    """Parse one YAML document into plain data; raise YamlError or LimitExceeded.

    `reference` composes with ruamel.yaml instead of libyaml (for equivalence tests).
    """
    deep = _nesting_bound(text) > min(limits.max_depth, _SAFE_C_DEPTH)
    if deep:
        _check_depth_by_events(text, limits)
    try:
        root = _ruamel_compose(text) if reference else yaml.compose(text, Loader=_Composer)
        lenient = None
    except yaml.YAMLError as strict_error:
        if _is_depth_refusal(strict_error):
            _locate_depth_refusal(text, strict_error, limits)
        root, lenient = _compose_leniently(text, strict_error, limits if deep else None)
    if root is None:
        return YamlDocument(data=None, root=None)
    converter = _Converter(limits)
    data = converter.convert(root, 0)
    return YamlDocument(data, root, converter.duplicates, lenient)


def may_need_repair(text: str, utf8: bytes | None = None) -> bool:
    """Whether the text holds what libyaml refuses and the lenient reading repairs.

    `utf8`, the text's UTF-8 bytes when the caller has them, makes the search several
    times faster: a C0 control or DEL is one byte there, and the rest begin with two known bytes.
    """
    if utf8 is None:
        found = _NON_PRINTABLE.search(text) is not None
    else:
        found = (
            bool(utf8.translate(None, _UTF8_ALLOWED_BYTES))
            or _c1_control_in(utf8)
            or ((b"\xed" in utf8 or b"\xef\xbf" in utf8) and _UTF8_NON_PRINTABLE.search(utf8) is not None)
        )
    return found or ("\t" in text and _TAB_ONLY_LINE.search(text) is not None)


def compose_nodes(text: str) -> Any:
    """The libyaml node tree of text that is known to parse (for locating findings)."""
    return yaml.compose(text, Loader=_Composer)


def _c1_control_in(utf8: bytes) -> bool:
    """A C1 control but NEL (C2 80-84, C2 86-9F): found by `find`, far faster than re on bytes."""
    at = utf8.find(b"\xc2")
    while at >= 0 and at + 1 < len(utf8):
        follower = utf8[at + 1]
        if 0x80 <= follower <= 0x9F and follower != 0x85:
            return True
        at = utf8.find(b"\xc2", at + 2)
    return False


def _ruamel_compose(text: str) -> Any:
    """ruamel.yaml's composer; its refusals are raised as PyYAML's, so the lenient path follows."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError as RuamelError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return YAML(typ="safe").compose(text)
    except RuamelError as error:
        raise yaml.MarkedYAMLError(
            context=getattr(error, "context", None),
            context_mark=_pyyaml_mark(getattr(error, "context_mark", None)),
            problem=str(getattr(error, "problem", error)),
            problem_mark=_pyyaml_mark(getattr(error, "problem_mark", None)),
        ) from None


def _pyyaml_mark(mark: Any) -> yaml.Mark | None:
    """A ruamel.yaml mark as PyYAML's (index, line and column; all count characters)."""
    return yaml.Mark("", mark.index, mark.line, mark.column, None, 0) if mark is not None else None


def _nesting_bound(text: str) -> int:
    """A cheap upper bound of nesting: flow brackets plus the longest indentation run."""
    depth = deepest = 0
    for bracket in _FLOW_BRACKET.findall(text):
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    indent = max(map(len, _LEADING_INDICATORS.findall(text)), default=0)
    return deepest + indent + 1


def _check_depth_by_events(text: str, limits: Limits) -> bool:
    """Measure nesting with libyaml's iterative event parser, before anything recurses.

    Raise LimitExceeded past max-depth; False when libyaml could not read to the end.
    """
    try:
        _measure_depth(yaml.parse(text, Loader=_Composer), limits.max_depth, yaml)
    except yaml.YAMLError as error:
        if _is_depth_refusal(error):
            _locate_depth_refusal(text, error, limits)
        return False  # the composer reports syntax errors with their positions
    return True


def _measure_depth(events: Any, max_depth: int, events_module: Any) -> None:
    """Raise LimitExceeded at the first collection that opens deeper than max_depth."""
    start, end = events_module.CollectionStartEvent, events_module.CollectionEndEvent
    depth = 0
    for event in events:
        if isinstance(event, start):
            depth += 1
            if depth > max_depth:
                mark = event.start_mark
                raise LimitExceeded(
                    NESTING_TOO_DEEP,
                    f"nesting is deeper than max-depth {max_depth}",
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                )
        elif isinstance(event, end):
            depth -= 1


def _is_depth_refusal(error: yaml.YAMLError) -> bool:
    return _LIBYAML_DEPTH_REFUSAL in str(getattr(error, "problem", "") or "")


def _locate_depth_refusal(text: str, error: yaml.YAMLError, limits: Limits) -> NoReturn:
    """Raise nesting-too-deep for libyaml's own depth refusal, where max-depth was passed.

    ruamel.yaml's pure event parser has no such refusal, so it finds the collection that
    opens past max-depth. It is slow on deep flow nesting (its simple-key lookahead is
    quadratic), which bounds the walk: never past libyaml's own limit. Where ruamel cannot
    say (max-depth above libyaml's limit, or text ruamel refuses), libyaml's place is used.
    """
    from ruamel.yaml import YAML, events
    from ruamel.yaml.error import YAMLError as RuamelError

    if limits.max_depth < _LIBYAML_MAX_NESTING:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _measure_depth(YAML(typ="safe", pure=True).parse(text), limits.max_depth, events)
        except RuamelError:
            pass
    _message, line, column = _describe(error, text)
    raise LimitExceeded(
        NESTING_TOO_DEEP,
        f"nesting is deeper than the {_LIBYAML_MAX_NESTING} levels YAML is read to",
        line,
        column,
    )


def _compose_leniently(
    text: str, strict_error: yaml.YAMLError, deep: Limits | None
) -> tuple[Any, tuple[str, int | None, int | None]]:
    """Read text that libyaml refused the way lenient parsers do, or raise YamlError.

    `deep` (the limits) is given when the text may nest deeply: then its depth is measured
    on the repaired text first, since ruamel's pure parser is slow and recursive there.
    """
    from ruamel.yaml import YAML  # only for the rare files libyaml refuses

    strict = _describe(strict_error, text)
    repaired = _NON_PRINTABLE.sub("\ufffd", text)
    repaired = _TAB_ONLY_LINE.sub("", repaired)
    if deep is not None and not _check_depth_by_events(repaired, deep):
        raise YamlError(*strict)  # nesting that deep, and not even the repaired text is YAML
    for candidate in (text, repaired) if repaired != text else (text,):
        try:
            with warnings.catch_warnings():  # ruamel warns with lines of the spec on stderr
                warnings.simplefilter("ignore")
                root = YAML(typ="safe", pure=True).compose(candidate)
        except RecursionError:
            raise LimitExceeded(NESTING_TOO_DEEP, "nesting is too deep to read", None, None) from None
        except Exception:
            continue
        if candidate is text or _Composer is yaml.SafeLoader:
            return root, strict
        try:  # the repaired text parses in libyaml too: prefer its nodes
            return yaml.compose(candidate, Loader=_Composer), strict
        except yaml.YAMLError:
            return root, strict
    raise YamlError(*strict)


def _describe(error: yaml.YAMLError, text: str) -> tuple[str, int | None, int | None]:
    if isinstance(error, yaml.reader.ReaderError):
        at = min(max(error.position, 0), len(text))
        line_start = text.rfind("\n", 0, at) + 1
        char = error.character
        code = char if isinstance(char, int) else ord(char) if char else 0
        message = f"unacceptable character #x{code:04x}: {error.reason}"
        return message, text.count("\n", 0, at) + 1, at - line_start + 1
    mark = getattr(error, "problem_mark", None)
    problem = str(getattr(error, "problem", None) or str(error).splitlines()[0])
    context = getattr(error, "context", None)
    if mark is not None:
        plainer = _tab(problem, mark, text) or _unclosed(problem, context, error, text)
        if plainer is not None:
            return plainer
    message = f"{context}: {problem}" if context else problem
    if mark is None:
        return message, None, None
    return message, *_line_column(mark)


def _tab(problem: str, mark: Any, text: str) -> tuple[str, int, int] | None:
    """A tab where the parser reads indentation, said as such."""
    if _character(text, mark) == "\t" and any(words in problem for words in _TAB_PROBLEMS):
        return "a tab character cannot indent YAML (use spaces)", *_line_column(mark)
    return None


def _unclosed(problem: str, context: str | None, error: Any, text: str) -> tuple[str, int, int] | None:
    """A `{`, `[` or quote never closed, where it opens; a comma missing in a `{` or `[`, where it is missing.

    The parser notices an unclosed bracket where it gives up, often at the end of the file;
    its context mark is where the bracket opens.
    """
    opened, mark = getattr(error, "context_mark", None), error.problem_mark
    if opened is None or not isinstance(mark.index, int):
        return None
    opener = _character(text, opened)
    if opener is None or opener not in _OPENED_BY.get(context or "", ""):
        return None
    flow = opener in "{["
    if not text[mark.index :].strip() or (flow and _block_resumes(text, opened.index, mark)):
        return f"this {opener} is never closed", *_line_column(opened)
    if not flow or "expected ','" not in problem:
        return None
    found = _character(text, mark)
    if found in ("}", "]") and found != _CLOSERS[opener]:
        at = f"line {mark.line + 1}, column {mark.column + 1}"
        return f"this {opener} is never closed: the {found} at {at} does not match it", *_line_column(opened)
    where = f"line {opened.line + 1}, column {opened.column + 1}"
    return f"expected ',' or '{_CLOSERS[opener]}' here, inside the {opener} at {where}", *_line_column(mark)


def _character(text: str, mark: Any) -> str | None:
    """The character a mark points at (libyaml's and ruamel's indexes count characters)."""
    index = getattr(mark, "index", None)
    return text[index] if isinstance(index, int) and 0 <= index < len(text) else None


def _block_resumes(text: str, opened_at: int, mark: Any) -> bool:
    """Whether the parser gave up on a later line indented no deeper than the line the bracket opens on.

    Flow content must be indented deeper than its line; such a line is block YAML again.
    """
    later = mark.index > opened_at and "\n" in text[opened_at : mark.index]
    return later and _indent_of_line(text, mark.index) <= _indent_of_line(text, opened_at)


def _indent_of_line(text: str, at: int) -> int:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", start)
    line = text[start:] if end < 0 else text[start:end]
    return len(line) - len(line.lstrip(" "))


def _line_column(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Converter:
    """Turns a node graph into data, sharing aliased nodes and bounding their expansion."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.expanded = 0
        self.duplicates: list[tuple[str, int, int]] = []
        # id(node) -> (data, expanded size, height): aliases reuse all three.
        self._done: dict[int, tuple[Any, int, int]] = {}
        self._active: set[int] = set()
        self._height = 0  # height of the node converted last (0 for a scalar)

    def convert(self, node: Any, depth: int) -> Any:
        if node.id == "scalar":
            self.expanded += 1
            if self.expanded > self.limits.max_nodes:
                self._too_many(node)
            self._height = 0
            return _resolve_scalar(node)
        key = id(node)
        done = self._done.get(key)
        if done is not None:  # an alias: reuse the data, but count what it expands to
            self.expanded += done[1]
            if self.expanded > self.limits.max_nodes:
                self._too_many(node)
            self._check_depth(depth + done[2] - 1, node)
            self._height = done[2]
            return done[0]
        if key in self._active:
            raise LimitExceeded(TOO_MANY_NODES, "a YAML alias refers to itself", *_pos(node))
        self._check_depth(depth, node)
        self._active.add(key)
        before = self.expanded
        self.expanded += 1
        data, height = self._mapping(node, depth) if node.id == "mapping" else self._sequence(node, depth)
        self._active.discard(key)
        self._done[key] = (data, self.expanded - before, height)
        self._height = height
        return data

    def _check_depth(self, depth: int, node: Any) -> None:
        if depth >= self.limits.max_depth:
            raise LimitExceeded(
                NESTING_TOO_DEEP,
                f"nesting is deeper than max-depth {self.limits.max_depth}",
                *_pos(node),
            )

    def _too_many(self, node: Any) -> None:
        raise LimitExceeded(
            TOO_MANY_NODES,
            f"the document expands to more than max-nodes {self.limits.max_nodes:,} values"
            " (YAML aliases multiply what they point to)",
            *_pos(node),
        )

    def _sequence(self, node: Any, depth: int) -> tuple[list[Any], int]:
        items, tallest = [], 0
        for item in node.value:
            items.append(self.convert(item, depth + 1))
            tallest = max(tallest, self._height)
        return items, tallest + 1

    def _mapping(self, node: Any, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        merged: list[dict[str, Any]] = []
        tallest = 0
        for key_node, value_node in node.value:
            if key_node.id != "scalar":  # a complex key (`? [a, b]`): JSON has only string keys
                line, column = _pos(key_node)
                key = f"<{key_node.id} key at line {line}, column {column}>"
            elif key_node.value == "<<" and str(key_node.tag) == _MERGE_TAG:
                value = self.convert(value_node, depth + 1)
                tallest = max(tallest, self._height)
                merged.extend(
                    v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)
                )
                continue
            else:
                key = str(key_node.value)  # as written: `200:` is "200"
            if key in result:
                self.duplicates.append((key, *_pos(key_node)))
            result[key] = self.convert(value_node, depth + 1)
            tallest = max(tallest, self._height)
        for source in merged:  # explicit keys win over merged ones
            for key, value in source.items():
                result.setdefault(key, value)
        return result, tallest + 1


def _pos(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _resolve_scalar(node: Any) -> Any:
    # Quoted and block scalars are strings; plain style is "" in libyaml and None in ruamel.
    # Plain scalars follow the YAML 1.2 core schema whatever tag the 1.1 resolver gave them
    # (an explicit `!!str` on a plain scalar is not told apart: rare in specs).
    return resolve_plain(node.value) if not node.style else node.value


def resolve_plain(value: str) -> Any:
    """A plain scalar's value by the YAML 1.2 core schema: null, bool, int, float or string."""
    if value in _NULL:
        return None
    first = value[0]
    if first in "-+.0123456789":
        if _INT.match(value):
            # Past 4,300 digits Python refuses int() (quadratic-time guard); such a number is inf.
            return int(value) if len(value) <= _INT_DIGITS else float(value)
        if _INT_BASED.match(value):
            return int(value, 0)
        if _FLOAT.match(value):
            return float(value)
        if value in _INF:
            return math.inf
        if value in _NEG_INF:
            return -math.inf
        if value in _NAN:
            return math.nan
        return value
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return value


def node_at(root: Any, tokens: list[str]) -> tuple[Any, Any]:
    """Walk mapping keys / sequence indexes; return (key node or None, deepest node reached)."""
    key_node = None
    node = root
    for token in tokens:
        if node is None:
            break
        if node.id == "mapping":
            found = None
            for k, v in reversed(node.value):  # the last duplicate wins, as in the data
                if k.id == "scalar" and str(k.value) == token:
                    found = (k, v)
                    break
            if found is None:
                break
            key_node, node = found
        elif node.id == "sequence" and token.isdigit() and int(token) < len(node.value):
            key_node, node = None, node.value[int(token)]
        else:
            break
    return key_node, node
