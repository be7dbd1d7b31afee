"""`--format github`: GitHub Actions workflow commands, one annotation per finding, then a summary.

Escaping follows @actions/core: in the message `%`, CR and LF are percent-encoded; in the
properties (`file`, `line`, `col`, `title`) also `:` and `,`, which would end them early.
"""

from __future__ import annotations

from collections import Counter

from contract_gate.engine.run import Report
from contract_gate.estate.metrics import Ratio
from contract_gate.findings import Finding
from contract_gate.outputs.formatters.text import incomplete_notice
from contract_gate.rules import Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report) -> str:
    """One `::error …::message` line per finding and a closing `::notice` with the numbers."""
    lines = [annotation(finding) for finding in report.findings]
    lines.append(f"::notice title=contract-gate::{escape_data(_summary(report))}")
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """`::error file=…,line=…,col=…,title=rule::message` for one finding."""
    properties: list[tuple[str, str]] = []
    if finding.file is not None:
        properties.append(("file", finding.file))
        if finding.line is not None:
            properties += [("line", str(finding.line)), ("col", str(finding.column or 1))]
    properties.append(("title", finding.rule))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def _summary(report: Report) -> str:
    counts = Counter(finding.severity for finding in report.findings)
    total = len(report.findings)
    detail = ", ".join(f"{counts[s]} {s.value}{'s' * (counts[s] != 1)}" for s in Severity if counts[s])
    overall = report.metrics.overall
    alignment = overall.alignment
    if report.incomplete:
        return f"gate could not finish · {incomplete_notice(report)}"
    parts = [
        "gate passed" if report.passed else "gate FAILED",
        f"{total} finding{'s' * (total != 1)}" + (f" ({detail})" if detail else ""),
        f"documentation completeness {_ratio(overall.completeness, 'operations')}",
        f"SLO alignment ({alignment.scope}) {_ratio(alignment.ratio, 'pairs')}"
        + (f", {alignment.out_of_view} out of view" if alignment.out_of_view else ""),
    ]
    if report.internal_errors:
        parts.append(f"{len(report.internal_errors)} internal error(s)")
    return " · ".join(parts)


def _ratio(ratio: Ratio, unit: str) -> str:
    if ratio.denominator == 0:
        return f"n/a (no {unit})"
    return f"{ratio.shown()} ({ratio.numerator}/{ratio.denominator} {unit})"
