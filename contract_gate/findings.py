"""Findings: the one record every check produces, and what rules yield before it."""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass
from typing import Any

from contract_gate.pickling import by_constructor
from contract_gate.rules import Rule, Severity


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check yields: a rule, where, and a message; severity comes from config."""

    rule: Rule
    message: str
    file: str | None = None
    pointer: str = ""
    service: str | None = None
    operation: str | None = None
    # Distinguishes several problems of one rule at one place (e.g. validator messages).
    discriminator: str = ""
    # Set when the position is known without a pointer (parse errors, duplicate keys).
    line: int | None = None
    column: int | None = None
    # The case a rule's default severity depends on (see `Rule.cases`); "" for most rules.
    case: str = ""


@by_constructor
@dataclass(frozen=True, slots=True)
class Finding:
    """A problem with its severity and source position, as reported to users."""

    rule: str
    severity: Severity
    message: str
    file: str | None
    line: int | None
    column: int | None
    pointer: str
    service: str | None
    operation: str | None
    fingerprint: str

    @classmethod
    def from_problem(
        cls,
        problem: Problem,
        severity: Severity,
        line: int | None,
        column: int | None,
        message: str | None = None,
    ) -> Finding:
        """The finding of `problem` at (line, column) with the severity config gave it."""
        return cls(
            rule=problem.rule.id,
            severity=severity,
            message=problem.message if message is None else message,
            file=problem.file,
            line=line,
            column=column if line is not None else None,
            pointer=problem.pointer,
            service=problem.service,
            operation=problem.operation,
            fingerprint=fingerprint(problem),
        )

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Stable report order: file, position, rule, message."""
        return (self.file or "\uffff", self.line or 0, self.column or 0, self.rule, self.message)


# A Finding's attributes named as the JSON documents' finding fields (severity is a str enum).
FINDING_FIELDS = (
    "rule",
    "severity",
    "file",
    "line",
    "column",
    "pointer",
    "service",
    "operation",
    "message",
    "fingerprint",
)
_finding_values = operator.attrgetter(*FINDING_FIELDS)


def finding_data(finding: Finding) -> dict[str, Any]:
    """A finding as the JSON report and the contract snapshots write it (FINDING_FIELDS, in order)."""
    return dict(zip(FINDING_FIELDS, _finding_values(finding), strict=True))


def fingerprint(problem: Problem) -> str:
    """A stable id from rule, service (or file), operation and pointer: no line numbers."""
    owner = problem.service if problem.service is not None else (problem.file or "")
    parts = (problem.rule.id, owner, problem.operation or "", problem.pointer, problem.discriminator)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
