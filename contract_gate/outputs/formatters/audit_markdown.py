"""`audit --format markdown`: the BU's audit for a wiki page or a pull-request comment.

Headings, the metrics and the gate's thresholds, one table of operations, then the pairs (with
why each is not aligned) and the findings (with their places as people read them). Every cell
goes through `markdown.cell`, so `|`, newlines and markup in spec values cannot break a table.
"""

from __future__ import annotations

from contract_gate.outputs.audit import (
    NOT_COUNTED_TEXT,
    AuditModel,
    AuditOperationModel,
    Outcome,
    alignment_text,
    audit_findings,
    place_text,
    ratio_text,
    status_counts,
    threshold_text,
    value_text,
)
from contract_gate.outputs.audit_observed import (
    ObservedP99Model,
    PairObservedModel,
    conformance_text,
    measured_text,
    observed_text,
)
from contract_gate.outputs.formatters.markdown import cell
from contract_gate.outputs.report_model import RatioModel, SourcedModel


def render(audit: AuditModel, terminal_width: int | None = None) -> str:
    """The audit as GitHub/GitLab-flavoured Markdown."""
    del terminal_width  # the same on a terminal
    lines = [
        f"# contract-gate audit: {cell(audit.bu)}",
        "",
        "| metric | value |",
        "|---|---|",
        f"| Documentation completeness | {ratio_text(audit.metrics.completeness, 'operations')} |",
        f"| SLO alignment ({audit.scope}) | {alignment_text(audit.metrics)} |",
        *_conformance(audit),
        "",
        *_thresholds(audit),
    ]
    if not audit.operations:
        known = ", ".join(cell(bu) for bu in audit.known_bus) or "none"
        return "\n".join([*lines, "", f"No operation is owned by {cell(audit.bu)}. BUs: {known}.", ""])
    lines += ["", "## Per service", "", "| service | completeness | SLO alignment |", "|---|---|---|"]
    for name, group in audit.by_service.items():
        lines.append(
            f"| {cell(name)} | {ratio_text(group.completeness, 'operations')} | {alignment_text(group)} |"
        )
    lines += ["", f"## Operations ({len(audit.operations)})", "", *_operations(audit)]
    pairs = _pairs(audit)
    if len(pairs) > 2:
        lines += [
            "",
            "## Pairs",
            "",
            "B: caller's budget · C: callee's p99 · A: agreed by the callee"
            + (" · O: callee's observed p99" if audit.observed is not None else "")
            + " · why: what keeps it from being aligned",
            "",
        ]
        lines += pairs
    findings = _findings(audit)
    if len(findings) > 2:
        lines += ["", "## Findings", "", *findings]
    return "\n".join(lines) + "\n"


def _conformance(audit: AuditModel) -> list[str]:
    if audit.observed is None:
        return []
    observed = audit.observed
    return [
        f"| SLO conformance | {conformance_text(observed.conformance)} |",
        f"| SLO conformance, overall | {conformance_text(observed.overall)} |",
        "",
        cell(measured_text(observed)[0].upper() + measured_text(observed)[1:]) + ".",
    ]


def _observed(observed: ObservedP99Model | None) -> str:
    if observed is None:
        return ""
    shown = cell(observed_text(observed))
    return f" **{shown}** |" if observed.status == "breached" else f" {shown} |"


def _pair_observed(observed: PairObservedModel | None) -> str:
    if observed is None:
        return ""
    if observed.callee_p99 is None:
        return " no data |"
    return (
        f" **{observed.callee_p99}, budget breached** |"
        if observed.budget_breached
        else f" {observed.callee_p99} |"
    )


def _thresholds(audit: AuditModel) -> list[str]:
    gate = audit.gate
    lines = [
        "## Gate thresholds",
        "",
        "The gate fails when an overall number is below its threshold; the BU's are held to the same.",
        "",
        f"| threshold | {cell(audit.bu)} | overall |",
        "|---|---|---|",
    ]
    for check, unit, bu, overall in (
        (gate.completeness, "operations", audit.metrics.completeness, gate.overall.completeness),
        (gate.alignment, "pairs", audit.metrics.alignment, gate.overall.alignment),
    ):
        lines.append(
            f"| `{check.key}` {threshold_text(check)} | {_against(check.bu, bu, unit)}"
            f" | {_against(check.overall, overall, unit)} |"
        )
    return lines


def _against(outcome: Outcome, ratio: RatioModel, unit: str) -> str:
    shown = ratio_text(ratio, unit)
    return shown if outcome == "n/a" else f"**{outcome.upper()}** {shown}"  # "n/a (no pairs)" says it


def _sourced(value: SourcedModel | None) -> str:
    # No code spans: Markdown does not undo `cell`'s backslash escapes inside them.
    if value is None:
        return "**missing**"
    if value.valid:
        return f"{cell(value_text(value.value))} ({value.level})"
    return f"**{cell(value_text(value.value))}** ({value.level}, invalid)"


def _operations(audit: AuditModel) -> list[str]:
    observed = audit.observed is not None
    lines = [
        "| service | operation | operationId | owner | SLO p99 |"
        + (" observed p99 |" if observed else "")
        + " state | inbound | outbound | findings |",
        "|---|---|---|---|---|" + ("---|" if observed else "") + "---|---|---|---|",
    ]
    for op in audit.operations:
        state = cell(op.state) + (" (internal, not counted)" if op.internal else "")
        rules = cell(", ".join(f.rule for f in op.findings)) or "—"
        lines.append(
            f"| {cell(op.service)} | {cell(op.operation)} | {cell(op.operation_id or '')}"
            f" | {_sourced(op.owner)} | {_sourced(op.slo)} |{_observed(op.observed)} {state}"
            f" | {status_counts(op.inbound) or '—'}"
            f" | {status_counts(op.outbound) or '—'} | {rules} |"
        )
    return lines


def _pairs(audit: AuditModel) -> list[str]:
    observed = audit.observed is not None
    lines = [
        "| operation | direction | other side | status | B | C | A |"
        + (" O |" if observed else "")
        + " mode | counted | why |",
        "|---|---|---|---|---|---|---|" + ("---|" if observed else "") + "---|---|---|",
    ]
    for op in audit.operations:
        for pair in (*op.inbound, *op.outbound):
            other = f"{cell(pair.service)} {cell(pair.operation)}" + (
                f" ({cell(pair.bu)})" if pair.bu else ""
            )
            counted = "yes" if pair.counted else f"no: {NOT_COUNTED_TEXT[pair.not_counted or '']}"
            durations = " | ".join(cell(v) if v else "—" for v in (pair.budget, pair.commitment, pair.agreed))
            lines.append(
                f"| {_name(op)} | {'called by' if pair.direction == 'inbound' else 'calls'} | {other}"
                f" | **{pair.status}** | {durations} |{_pair_observed(pair.observed)} {pair.mode} | {counted}"
                f" | {cell(pair.reason or '—')} |"
            )
    return lines


def _findings(audit: AuditModel) -> list[str]:
    lines = ["| severity | rule | where | place | message |", "|---|---|---|---|---|"]
    for finding in audit_findings(audit):
        where = (finding.file or "(estate)") + (f":{finding.line}" if finding.line else "")
        lines.append(
            f"| {finding.severity} | `{finding.rule}` | {cell(where)} | {cell(place_text(finding.pointer))}"
            f" | {cell(finding.message)} |"
        )
    return lines


def _name(op: AuditOperationModel) -> str:
    return f"{cell(op.service)} {cell(op.operation)}"
