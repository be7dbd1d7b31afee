"""Reading one file into data plus a position lookup, within the limits."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from contract_gate import pointer as jp
from contract_gate.findings import Problem
from contract_gate.limits import LimitExceeded, Limits
from contract_gate.positions import FixedLocator, JsonLocator, Locator, YamlLocator
from contract_gate.yamlparse import YamlError, parse_yaml

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class LoadError(Exception):
    """The file cannot be turned into data; `rule` is the finding to report."""

    def __init__(self, rule: str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.line = line
        self.column = column


@dataclass
class Document:
    """One parsed file."""

    path: Path
    display: str
    data: Any
    locator: Locator
    problems: list[Problem] = field(default_factory=list)


def display_path(path: Path) -> str:
    """How a file is named in findings: relative to the working directory when inside it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def load_document(path: Path, limits: Limits, display: str | None = None) -> Document:
    """Read, decode and parse one file; raise LoadError with a position when it cannot."""
    shown = display if display is not None else display_path(path)
    size = path.stat().st_size
    if size > limits.max_file_size:
        raise LoadError(
            "file-too-large",
            f"file is {size:,} bytes, over max-file-size {limits.max_file_size:,}; it was not read",
        )
    text = _decode(path.read_bytes())
    try:
        if path.suffix.lower() == ".json":
            return Document(path, shown, _parse_json(text, limits), JsonLocator(text))
        parsed = parse_yaml(text, limits)
    except LimitExceeded as exceeded:
        raise LoadError(exceeded.rule, str(exceeded), exceeded.line, exceeded.column) from None
    except YamlError as error:
        raise LoadError("parse-error", f"not valid YAML: {error}", error.line, error.column) from None
    problems = [
        Problem(
            "duplicate-key",
            f'key "{key}" appears twice in one mapping; the last one is used',
            file=shown,
            discriminator=key,
            line=line,
            column=column,
        )
        for key, line, column in parsed.duplicate_keys
    ]
    if parsed.lenient:
        reason, line, column = parsed.lenient
        problems.append(
            Problem(
                "yaml-lenient",
                f"strict YAML parsers refuse this file ({reason}); it was read the way"
                " lenient parsers read it — fix it so every tool agrees",
                file=shown,
                line=line or 1,
                column=column or 1,
            )
        )
    return Document(path, shown, parsed.data, YamlLocator(parsed.root), problems)


def _decode(raw: bytes) -> str:
    encoding = "utf-8"
    for bom, name in _BOMS:
        if raw.startswith(bom):
            encoding = name
            break
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise LoadError(
            "parse-error",
            f"not valid {encoding.upper()}: byte 0x{raw[error.start]:02x} cannot be decoded;"
            " save the file as UTF-8",
            line,
            column,
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise LoadError(
            "parse-error",
            "NUL byte in the file: it is binary or corrupt, not a spec",
            line,
            nul - (text.rfind("\n", 0, nul) + 1) + 1,
        )
    return text.lstrip("\ufeff")


def _parse_json(text: str, limits: Limits) -> Any:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if "depth" in str(error) or "recursion" in str(error):
            raise LoadError(
                "nesting-too-deep", "JSON nesting is deeper than 1024 levels", error.lineno, error.colno
            ) from None
        data = _parse_json_stdlib(text)  # orjson refuses some valid JSON (integers beyond 64 bits)
    too_deep = _deeper_than(data, limits.max_depth)
    if too_deep is not None:
        line, column = JsonLocator(text).locate(too_deep)
        raise LoadError(
            "nesting-too-deep", f"nesting is deeper than max-depth {limits.max_depth}", line, column
        )
    return data


def _parse_json_stdlib(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise LoadError("nesting-too-deep", "JSON nesting is too deep to read") from None
    except json.JSONDecodeError as error:
        raise LoadError("parse-error", f"not valid JSON: {error.msg}", error.lineno, error.colno) from None


def _deeper_than(data: Any, limit: int) -> str | None:
    """The pointer of the first container nested deeper than `limit`, else None (iterative)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return _path_to(data, child)
                stack.append((child, depth + 1))
    return None


def _path_to(data: Any, target: Any) -> str:
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        node, tokens = stack.pop()
        if node is target:
            return jp.join(*tokens)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, (*tokens, str(k))) for k, v in items if isinstance(v, dict | list))
    return ""


def fixed_locator(line: int | None, column: int | None) -> Locator:
    """A locator for files that could not be parsed."""
    return FixedLocator(line or 1, column or 1)
