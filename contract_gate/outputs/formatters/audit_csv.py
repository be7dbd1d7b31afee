"""`audit --format csv`: one row per operation, for spreadsheets.

Cells: booleans are `true`/`false`; a missing value is an empty cell; `owner_at`/`slo_at` are
`file#pointer`; `inbound`/`outbound` count the pairs by status (`aligned 1; violated 1`),
`callers`/`callees` list them one per line (`service OPERATION: status`), and `findings` lists
rule ids separated by `; `. The csv module quotes cells holding commas, quotes or newlines.

With --prometheus, OBSERVED_COLUMNS follow: the observed p99 in ms (empty without data), its
status (met, breached, no-slo, no-data, not-queried), whether it meets the SLO (`true`/`false`,
empty when not judged), and per pair the budget beside the callee's observed p99. They are
added only then, after the others: without --prometheus the header and the columns a
spreadsheet or a script reads by position stay exactly as before.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) as a
formula, so any such cell gets a leading `'` (CSV injection): `=HYPERLINK(...)` is written as
`'=HYPERLINK(...)`. That includes a leading `-`: `-1` is harmless but `-1+cmd|...` is not, and
no value the audit writes legitimately starts with one. The quote is visible to other readers.
"""

from __future__ import annotations

import csv
import io

from contract_gate.outputs.audit import (
    AuditModel,
    AuditOperationModel,
    AuditPairModel,
    status_counts,
    value_text,
)
from contract_gate.outputs.audit_observed import pair_observed_text
from contract_gate.outputs.report_model import SourcedModel

COLUMNS = (
    "service",
    "operation",
    "operation_id",
    "file",
    "pointer",
    "internal",
    "owner",
    "owner_from",
    "owner_valid",
    "owner_at",
    "slo",
    "slo_from",
    "slo_valid",
    "slo_at",
    "state",
    "inbound",
    "outbound",
    "callers",
    "callees",
    "findings",
)
OBSERVED_COLUMNS = ("observed_p99_ms", "observed_status", "slo_met", "callers_observed", "callees_observed")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(audit: AuditModel, terminal_width: int | None = None) -> str:
    """The header, then one row per operation."""
    del terminal_width  # the same on a terminal
    buffer = io.StringIO()
    observed = audit.observed is not None
    columns = COLUMNS + OBSERVED_COLUMNS if observed else COLUMNS
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for op in audit.operations:
        row = _row(op) | (_observed(op) if observed else {})
        writer.writerow({key: safe(value) for key, value in row.items()})
    return buffer.getvalue()


def safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _row(op: AuditOperationModel) -> dict[str, str]:
    return {
        "service": op.service,
        "operation": op.operation,
        "operation_id": op.operation_id or "",
        "file": op.file,
        "pointer": op.pointer,
        "internal": _bool(op.internal),
        **_sourced("owner", op.owner),
        **_sourced("slo", op.slo),
        "state": op.state,
        "inbound": status_counts(op.inbound),
        "outbound": status_counts(op.outbound),
        "callers": "\n".join(_pair(p) for p in op.inbound),
        "callees": "\n".join(_pair(p) for p in op.outbound),
        "findings": "; ".join(f.rule for f in op.findings),
    }


def _observed(op: AuditOperationModel) -> dict[str, str]:
    observed = op.observed
    assert observed is not None
    return {
        "observed_p99_ms": "" if observed.p99_ms is None else f"{round(observed.p99_ms, 3):g}",
        "observed_status": observed.status,
        "slo_met": "" if observed.meets_slo is None else _bool(observed.meets_slo),
        "callers_observed": "\n".join(_pair_observed(p) for p in op.inbound),
        "callees_observed": "\n".join(_pair_observed(p) for p in op.outbound),
    }


def _pair_observed(pair: AuditPairModel) -> str:
    """`loyalty-service GET /v2/tiers: budget 1s, observed 1.75s, budget breached`."""
    shown = f"{pair.service} {pair.operation}: budget {pair.budget or '—'}"
    return shown + ", observed " + (pair_observed_text(pair.observed) if pair.observed else "no data")


def _sourced(name: str, value: SourcedModel | None) -> dict[str, str]:
    if value is None:
        return {name: "", f"{name}_from": "", f"{name}_valid": "false", f"{name}_at": ""}
    return {
        name: value_text(value.value),
        f"{name}_from": value.level,
        f"{name}_valid": _bool(value.valid),
        f"{name}_at": f"{value.file}#{value.pointer}",
    }


def _pair(pair: AuditPairModel) -> str:
    return f"{pair.service} {pair.operation}: {pair.status}" + ("" if pair.counted else " (not counted)")


def _bool(value: bool) -> str:
    return "true" if value else "false"
