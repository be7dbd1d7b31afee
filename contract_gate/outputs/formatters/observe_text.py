"""`observe --format text`: the findings as `check` prints them, then declared against observed."""

from __future__ import annotations

from datetime import UTC, datetime

from contract_gate.estate.metrics import Ratio
from contract_gate.extensions.values import format_millis
from contract_gate.observe.judge import Observation, Observed
from contract_gate.outputs.formatters.text import finding_line, finding_totals
from contract_gate.outputs.wrapping import wrapped


def render(observation: Observation) -> str:
    """Findings, the table of operations (breached first), the conformance and the verdict."""
    report = observation.report
    lines = [finding_line(f) for f in report.findings]
    if lines:
        lines += ["", *finding_totals(report.findings), ""]
    lines.append(
        f"Observed p99 over {observation.window} until {instant(observation.at)} ({observation.server}):"
    )
    rows = sorted(
        observation.operations, key=lambda r: (r.status.value != "breached", r.service, r.operation)
    )
    lines += [f"  {_row(row)}" for row in rows] or ["  no operation declares a valid x-slo-p99"]
    conformance = observation.conformance
    unobserved = sum(row.observed_ms is None and not row.internal for row in observation.operations)
    lines += ["", f"SLO conformance: {_ratio(conformance.overall)}, {unobserved} without data"]
    lines += _groups("by BU", conformance.by_bu) + _groups("by service", conformance.by_service)
    failing = sum(report.fails(f) for f in report.findings)
    verdict = (
        "passed" if observation.passed else f"FAILED ({failing} finding{'s' * (failing != 1)} at or above"
    )
    if not observation.passed:
        verdict += f" fail-on {report.config.fail_on.value})"
    lines += ["", f"contract-gate observe: {verdict}"]
    return "\n".join(lines) + "\n"


def instant(at: float) -> str:
    """Unix seconds as RFC 3339 in UTC."""
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def observed_text(row: Observed) -> str:
    """Like "375ms", or "no data"."""
    return "no data" if row.observed_ms is None else format_millis(round(row.observed_ms, 3))


def _row(row: Observed) -> str:
    name = f"{row.service} {row.operation}" + (" (internal)" if row.internal else "")
    return f"{row.status.value:<10} {name}: declared {row.declared}, observed {observed_text(row)}"


def _ratio(ratio: Ratio) -> str:
    if ratio.denominator == 0:
        return "n/a (no operation with an SLO and data)"
    return f"{ratio.shown()} ({ratio.numerator}/{ratio.denominator} operations meet their SLO)"


def _groups(title: str, groups: dict[str, Ratio]) -> list[str]:
    if not groups:
        return []
    shown = [f"{name} {r.shown()} ({r.numerator}/{r.denominator})" for name, r in groups.items()]
    return wrapped(f"  {title}:", shown, "    ")
