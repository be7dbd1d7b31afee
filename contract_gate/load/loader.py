"""Reading one file into data plus a position lookup, within the limits."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract_gate.findings import Problem
from contract_gate.load.limits import LimitExceeded, Limits
from contract_gate.load.rules import DUPLICATE_KEY, FILE_TOO_LARGE, PARSE_ERROR, YAML_LENIENT
from contract_gate.rules import Rule

if TYPE_CHECKING:
    from contract_gate.load.positions import Locator

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)


class LoadError(Exception):
    """The file cannot be turned into data; `rule` is the finding to report."""

    def __init__(self, rule: Rule, message: str, line: int | None = None, column: int | None = None):
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


def load_document(
    path: Path, limits: Limits, display: str | None = None, reference: bool = False
) -> Document:
    """Read, decode and parse one file; raise LoadError with a position when it cannot.

    `reference` reads with the plain parsers (see `Settings.reference`).
    """
    # The parsers (libyaml, rapidyaml) are imported on the first file read, not at start-up.
    from contract_gate.load.fastyaml import parse_fast
    from contract_gate.load.jsonparse import JsonError, parse_json
    from contract_gate.load.positions import YamlLocator
    from contract_gate.load.yamlparse import YamlError, parse_yaml

    shown = display if display is not None else display_path(path)
    size = path.stat().st_size
    if size > limits.max_file_size:
        raise LoadError(
            FILE_TOO_LARGE,
            f"file is {size:,} bytes, over max-file-size {limits.max_file_size:,}; it was not read",
        )
    raw = path.read_bytes()
    text = _decode(raw)
    # The bytes are the text's UTF-8 as they are (no BOM): the fast parser needs no re-encoding.
    utf8 = raw if not raw.startswith(_BOM_PREFIXES) else None
    try:
        locator: Locator
        lenient: tuple[str, int | None, int | None] | None = None
        if path.suffix.lower() == ".json":
            json_doc = parse_json(text, limits, reference=reference)
            data, locator, duplicates = json_doc.data, json_doc.locator, json_doc.duplicate_keys
        elif (fast := None if reference else parse_fast(text, limits, utf8)) is not None:
            data, locator, duplicates = fast.data, fast.locator, []
        else:
            parsed = parse_yaml(text, limits, reference=reference)
            data, locator = parsed.data, YamlLocator(parsed.root)
            duplicates, lenient = parsed.duplicate_keys, parsed.lenient
    except LimitExceeded as exceeded:
        raise LoadError(exceeded.rule, str(exceeded), exceeded.line, exceeded.column) from None
    except YamlError as error:
        raise LoadError(PARSE_ERROR, f"not valid YAML: {error}", error.line, error.column) from None
    except JsonError as error:
        raise LoadError(PARSE_ERROR, f"not valid JSON: {error}", error.line, error.column) from None
    problems = [
        Problem(
            DUPLICATE_KEY,
            f'key "{key}" appears twice in one mapping; the last one is used',
            file=shown,
            discriminator=key,
            line=line,
            column=column,
        )
        for key, line, column in duplicates
    ]
    if lenient:
        reason, line, column = lenient
        problems.append(
            Problem(
                YAML_LENIENT,
                f"strict YAML parsers refuse this file ({reason}); it was read the way"
                " lenient parsers read it — fix it so every tool agrees",
                file=shown,
                line=line or 1,
                column=column or 1,
            )
        )
    return Document(path, shown, data, locator, problems)


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
            PARSE_ERROR,
            f"not valid {encoding.upper()}: byte 0x{raw[error.start]:02x} cannot be decoded;"
            " save the file as UTF-8",
            line,
            column,
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise LoadError(
            PARSE_ERROR,
            "NUL byte in the file: it is binary or corrupt, not a spec",
            line,
            nul - (text.rfind("\n", 0, nul) + 1) + 1,
        )
    return text.lstrip("\ufeff")
