"""`score --format table`: the metrics as a terminal table (rich)."""

from __future__ import annotations

import io

from contract_gate.engine.run import Report
from contract_gate.estate.metrics import GroupMetrics, Ratio


def render(report: Report, by: str) -> str:
    """One row overall, or one per BU / service, with both metrics and their counts."""
    from rich.console import Console  # rich is imported only for this format: start-up time
    from rich.table import Table

    groups: dict[str, GroupMetrics]
    if by == "bu":
        groups, label = report.metrics.by_bu, "BU"
    elif by == "service":
        groups, label = report.metrics.by_service, "Service"
    else:
        groups, label = {"overall": report.metrics.overall}, "Scope"
    table = Table(title=f"contract-gate scores ({report.metrics.overall.alignment.scope} alignment)")
    table.add_column(label)
    for heading in ("Completeness", "Documented ops", "SLO alignment", "Aligned pairs"):
        table.add_column(heading, justify="right")
    for name, group in groups.items():
        c, a = group.completeness, group.alignment.ratio
        table.add_row(name, c.shown(), _counts(c), a.shown(), _counts(a))
    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None, force_terminal=False).print(table)
    return buffer.getvalue()


def _counts(ratio: Ratio) -> str:
    return f"{ratio.numerator}/{ratio.denominator}"
