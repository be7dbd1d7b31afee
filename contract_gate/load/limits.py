"""Bounds that keep one hostile spec from taking the run down."""

from __future__ import annotations

from dataclasses import dataclass

from contract_gate.rules import Rule


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may cost: bytes on disk, nesting depth, values after alias expansion."""

    max_file_size: int = 50 * 1024 * 1024
    max_depth: int = 256
    max_nodes: int = 5_000_000


class SourceError(Exception):
    """Something wrong with a file's text, at a 1-based position when one is known."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class LimitExceeded(SourceError):
    """A file breached a limit; `rule` names the finding to report."""

    def __init__(self, rule: Rule, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message, line, column)
        self.rule = rule
