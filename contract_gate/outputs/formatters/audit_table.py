"""`audit --format table`: the BU's audit as terminal tables (rich), readable in 100 columns."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from contract_gate.outputs.audit import (
    NOT_COUNTED_TEXT,
    AuditModel,
    AuditOperationModel,
    AuditPairModel,
    alignment_text,
    audit_findings,
    ratio_text,
    value_text,
)
from contract_gate.outputs.report_model import SourcedModel

STATUS_STYLE = {
    "aligned": "green",
    "violated": "red",
    "undeclared": "yellow",
    "unresolved": "magenta",
    "out-of-view": "bright_black",
}
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def render(audit: AuditModel, terminal_width: int | None = None) -> str:
    """Header with the BU's metrics, then services, operations, pairs and findings tables.

    On a terminal (`terminal_width` given) in colour and as wide as it; else plain, 100 wide.
    """
    color = terminal_width is not None
    width = terminal_width or 100
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="auto" if color else None,
        force_terminal=color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    title = Text(f"contract-gate audit: {audit.bu}", style="bold")
    title.append(f"  (alignment scope {audit.scope})", style="dim")
    console.print(title)
    console.print(f"Documentation completeness  {ratio_text(audit.metrics.completeness, 'operations')}")
    console.print(f"SLO alignment               {alignment_text(audit.metrics)}")
    if not audit.operations:
        console.print(
            f"No operation of {audit.bu}. BUs with operations: {', '.join(audit.known_bus) or 'none'}"
        )
        return buffer.getvalue()
    for table in (_services(audit), _operations(audit), _pairs(audit), _findings(audit)):
        if table.row_count:
            console.print()
            console.print(table)
    return buffer.getvalue()


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", show_lines=False, expand=False)


def _services(audit: AuditModel) -> Table:
    table = _table("Per service")
    table.add_column("Service", overflow="fold")
    table.add_column("Completeness", justify="right")
    table.add_column("SLO alignment", justify="right")
    for name, group in audit.by_service.items():
        table.add_row(name, ratio_text(group.completeness, "ops"), alignment_text(group))
    return table


def _sourced(label: str, value: SourcedModel | None) -> Text:
    text = Text(f"{label} ", style="dim")
    if value is None:
        return text + Text("missing", style="red")
    text.append(value_text(value.value), style="" if value.valid else "red")
    return text + Text(f" ({value.level}{'' if value.valid else ', invalid'})", style="dim")


def _operation_cell(op: AuditOperationModel) -> Text:
    text = Text(op.operation, style="bold")
    text.append("\n" + " · ".join(filter(None, (op.service, op.operation_id))), style="dim")
    return text


def _operations(audit: AuditModel) -> Table:
    table = _table(f"Operations of {audit.bu} ({len(audit.operations)})")
    table.add_column("Operation · service · operationId", overflow="fold", ratio=3)
    table.add_column("Owner, SLO p99 (where)", overflow="fold", ratio=3)
    table.add_column("State", ratio=2)
    table.add_column("Pairs\nin/out", justify="center")
    table.add_column("Findings", overflow="fold", ratio=2)
    for index, op in enumerate(audit.operations):
        if index and op.service != audit.operations[index - 1].service:
            table.add_section()
        state = Text(op.state, style="green" if op.documented else "red")
        if op.internal:
            state.append("\ninternal, not counted", style="dim")
        table.add_row(
            _operation_cell(op),
            Text("\n").join([_sourced("owner", op.owner), _sourced("p99", op.slo)]),
            state,
            f"{len(op.inbound)} / {len(op.outbound)}",
            "\n".join(f.rule for f in op.findings),
        )
    return table


def _pairs(audit: AuditModel) -> Table:
    table = _table("Pairs (in: called by · out: calls; B budget / C commitment / A agreed)")
    table.add_column("Operation", overflow="fold", ratio=4)
    table.add_column("", width=3)
    table.add_column("Other side (BU)", overflow="fold", ratio=5)
    table.add_column("Status")
    table.add_column("B / C / A", overflow="fold", ratio=2)
    table.add_column("Counted", overflow="fold", ratio=2)
    for op in audit.operations:
        pairs = (*op.inbound, *op.outbound)
        if pairs and table.row_count:
            table.add_section()
        for index, pair in enumerate(pairs):
            other = Text(f"{pair.service}\n{pair.operation}")
            other.append(f"\n({pair.bu or 'no valid owner'})", style="dim")
            table.add_row(
                _operation_cell(op) if index == 0 else "",
                "in" if pair.direction == "inbound" else "out",
                other,
                Text(pair.status, style=STATUS_STYLE[pair.status]) + Text(f"\n{pair.mode}", style="dim"),
                _durations(pair),
                "yes"
                if pair.counted
                else Text(f"no: {NOT_COUNTED_TEXT[pair.not_counted or '']}", style="dim"),
            )
    return table


def _durations(pair: AuditPairModel) -> str:
    return " / ".join(value or "—" for value in (pair.budget, pair.commitment, pair.agreed))


def _findings(audit: AuditModel) -> Table:
    table = _table("Findings")
    table.add_column("Severity")
    table.add_column("Rule", overflow="fold")
    table.add_column("Where", overflow="fold", ratio=2)
    table.add_column("Message", overflow="fold", ratio=5)
    for finding in audit_findings(audit):
        where = f"{finding.file}:{finding.line}" if finding.line else finding.file or "(estate)"
        table.add_row(
            Text(finding.severity, style=SEVERITY_STYLE[finding.severity]),
            finding.rule,
            where,
            finding.message,
        )
    return table
