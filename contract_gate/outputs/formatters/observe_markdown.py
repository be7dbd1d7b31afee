"""`observe --format markdown`: conformance and the operations as tables, for a PR comment or a wiki."""

from __future__ import annotations

from contract_gate.estate.metrics import Ratio
from contract_gate.observe.judge import Observation
from contract_gate.outputs.formatters.markdown import cell
from contract_gate.outputs.formatters.observe_text import instant, observed_text


def render(observation: Observation) -> str:
    """A heading with the verdict, conformance by group, the operations, the findings."""
    report = observation.report
    verdict = "passed" if observation.passed else "failed"
    overall = observation.conformance.overall
    lines = [
        f"## contract-gate observe: {verdict}",
        "",
        f"Observed p99 over `{observation.window}` until {instant(observation.at)}"
        f" from {cell(observation.server)}.",
        "",
        "| SLO conformance | percent | meet / with data |",
        "|---|---|---|",
        f"| **overall** | {overall.shown()} | {_counts(overall)} |",
    ]
    for title, groups in (
        ("BU", observation.conformance.by_bu),
        ("service", observation.conformance.by_service),
    ):
        lines += [f"| {title} {cell(name)} | {r.shown()} | {_counts(r)} |" for name, r in groups.items()]
    lines += ["", "| service | operation | declared | observed | status |", "|---|---|---|---|---|"]
    lines += [
        f"| {cell(r.service)} | {cell(r.operation)} | {cell(r.declared)} | {observed_text(r)}"
        f" | {r.status.value} |"
        for r in observation.operations
    ]
    if report.findings:
        lines += ["", "| severity | rule | where | message |", "|---|---|---|---|"]
        for f in report.findings:
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
            lines.append(f"| {f.severity.value} | `{f.rule}` | {cell(where)} | {cell(f.message)} |")
    return "\n".join(lines) + "\n"


def _counts(ratio: Ratio) -> str:
    return f"{ratio.numerator} / {ratio.denominator}"
