"""`audit --format table`: the BU's audit for a terminal (rich), readable from 80 columns up.

The metrics, the gate's thresholds and the services are small tables; each operation is then a
block of labelled lines (owner, p99, state, its pairs with why each is not aligned, its
findings), and the findings are listed one by one. Lines wrap between words: a word is folded
only when it is longer than the whole line it is given.
"""

from __future__ import annotations

import io
import os

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from contract_gate.outputs.audit import (
    NOT_COUNTED_TEXT,
    AuditModel,
    AuditOperationModel,
    AuditPairModel,
    Outcome,
    alignment_text,
    audit_findings,
    place_text,
    ratio_text,
    threshold_text,
    value_text,
)
from contract_gate.outputs.audit_observed import (
    ObservedP99Model,
    conformance_text,
    measured_text,
    observed_text,
    pair_observed_text,
)
from contract_gate.outputs.report_model import FindingModel, RatioModel, SourcedModel

STATUS_STYLE = {
    "aligned": "green",
    "violated": "red",
    "undeclared": "yellow",
    "unresolved": "magenta",
    "out-of-view": "bright_black",
}
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}
OUTCOME_STYLE: dict[Outcome, str] = {"pass": "bold green", "fail": "bold red", "n/a": "dim"}
DEFAULT_WIDTH = 100  # when not on a terminal and COLUMNS does not say


def render(audit: AuditModel, terminal_width: int | None = None) -> str:
    """The header and thresholds, the services, then every operation and every finding.

    On a terminal (`terminal_width` given) in colour and as wide as it; else plain, as wide as
    the COLUMNS environment variable says, or 100.
    """
    color = terminal_width is not None
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=terminal_width or _plain_width(),
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
    if audit.observed is not None:
        console.print(f"SLO conformance             {conformance_text(audit.observed.conformance)}")
        for line in (f"overall {conformance_text(audit.observed.overall)}", measured_text(audit.observed)):
            console.print(Padding(Text(line, style="dim"), (0, 0, 0, 2)))
    console.print()
    console.print(_thresholds(audit))
    if not audit.operations:
        console.print(
            f"No operation of {audit.bu}. BUs with operations: {', '.join(audit.known_bus) or 'none'}"
        )
        return _trimmed(buffer.getvalue())
    console.print()
    console.print(_services(audit))
    for section in (_operations(audit), _findings(audit)):
        console.print()
        console.print(section)
    return _trimmed(buffer.getvalue())


def _trimmed(text: str) -> str:
    """Without the spaces rich pads lines with to the full width."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def _plain_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else DEFAULT_WIDTH


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", show_lines=False, expand=False)


def _thresholds(audit: AuditModel) -> Table:
    table = _table("Gate thresholds (the gate fails when an overall number is below one)")
    table.add_column("Threshold")
    table.add_column(audit.bu)
    table.add_column("Overall")
    gate = audit.gate
    for check, unit, bu, overall in (
        (gate.completeness, "ops", audit.metrics.completeness, gate.overall.completeness),
        (gate.alignment, "pairs", audit.metrics.alignment, gate.overall.alignment),
    ):
        table.add_row(
            f"{check.key} {threshold_text(check)}",
            _against(check.bu, bu, unit),
            _against(check.overall, overall, unit),
        )
    return table


def _against(outcome: Outcome, ratio: RatioModel, unit: str) -> Text:
    shown = ratio_text(ratio, unit)
    if outcome == "n/a":  # "n/a (no pairs)" says it
        return Text(shown, style=OUTCOME_STYLE[outcome])
    return Text(outcome.upper(), style=OUTCOME_STYLE[outcome]) + Text(f" {shown}")


def _services(audit: AuditModel) -> Table:
    table = _table("Per service")
    table.add_column("Service", overflow="fold")
    table.add_column("Completeness", justify="right")
    table.add_column("SLO alignment", justify="right")
    for name, group in audit.by_service.items():
        table.add_row(name, ratio_text(group.completeness, "ops"), alignment_text(group))
    return table


def _operations(audit: AuditModel) -> Group:
    blocks: list[RenderableType] = [
        Text(f"Operations of {audit.bu} ({len(audit.operations)})", style="bold"),
        Text(
            "Pairs: B the caller's budget / C the callee's p99 / A agreed by the callee"
            + (" / O the callee's observed p99" if audit.observed is not None else ""),
            style="dim",
        ),
    ]
    for op in audit.operations:
        blocks += [Text(""), _operation(op)]
    return Group(*blocks)


def _operation(op: AuditOperationModel) -> Group:
    heading = Text(op.operation, style="bold")
    heading.append("  " + " · ".join(filter(None, (op.service, op.operation_id))), style="dim")
    fields = _fields()
    fields.add_row("owner", _sourced(op.owner))
    fields.add_row("p99", _sourced(op.slo))
    if op.observed is not None:
        fields.add_row("observed", _observed(op.observed))
    state = Text(op.state, style="green" if op.documented else "red")
    if op.internal:
        state.append(" (internal, not counted)", style="dim")
    fields.add_row("state", state)
    if op.inbound:
        fields.add_row("called by", Group(*(_pair(pair) for pair in op.inbound)))
    if op.outbound:
        fields.add_row("calls", Group(*(_pair(pair) for pair in op.outbound)))
    fields.add_row("findings", ", ".join(f.rule for f in op.findings) or Text("none", style="dim"))
    return Group(heading, Padding(fields, (0, 0, 0, 2)))


def _fields() -> Table:
    """Two columns: a label, and its value wrapped between words in the rest of the line."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold", ratio=1)
    return table


def _sourced(value: SourcedModel | None) -> Text:
    if value is None:
        return Text("missing", style="red")
    text = Text(value_text(value.value), style="" if value.valid else "red")
    return text + Text(f" ({value.level}{'' if value.valid else ', invalid'})", style="dim")


def _observed(observed: ObservedP99Model) -> Text:
    style = {"met": "green", "breached": "bold red"}.get(observed.status, "dim")
    text = Text(observed_text(observed), style=style)
    if observed.why:
        text.append(f": {observed.why}", style="dim")
    return text


def _pair(pair: AuditPairModel) -> Group:
    other = Text(f"{pair.service} {pair.operation}")
    other.append(f" ({pair.bu or 'no valid owner'})", style="dim")
    status = Text(pair.status, style=STATUS_STYLE[pair.status])
    status.append(f", {pair.mode} · {_durations(pair)}")
    if pair.observed is not None:
        status.append(
            f" / O {pair_observed_text(pair.observed)}",
            style="bold red" if pair.observed.budget_breached else "",
        )
    if not pair.counted:
        status.append(f" · not counted: {NOT_COUNTED_TEXT[pair.not_counted or '']}", style="dim")
    lines: list[RenderableType] = [other, Padding(status, (0, 0, 0, 2))]
    if pair.reason:
        lines.append(Padding(Text(f"why: {pair.reason}"), (0, 0, 0, 2)))
    return Group(*lines)


def _durations(pair: AuditPairModel) -> str:
    values = (value or "—" for value in (pair.budget, pair.commitment, pair.agreed))
    return " / ".join(f"{name} {value}" for name, value in zip("BCA", values, strict=True))


def _findings(audit: AuditModel) -> Group:
    findings = audit_findings(audit)
    blocks: list[RenderableType] = [Text(f"Findings ({len(findings)})", style="bold")]
    for finding in findings:
        blocks += [Text(""), _finding(finding)]
    return Group(*blocks)


def _finding(finding: FindingModel) -> Group:
    heading = Text(finding.severity, style=SEVERITY_STYLE[finding.severity])
    heading.append("  ")
    heading.append(finding.rule, style="bold")
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file or "(estate)"
    place = Text(where, style="dim") + Text(f"  {place_text(finding.pointer)}", style="dim")
    return Group(heading, Padding(Group(place, Text(finding.message)), (0, 0, 0, 2)))
