"""`--format text`: one `file:line:col: severity [rule] message` line per finding, then the metrics."""

from __future__ import annotations

from collections import Counter

from contract_gate.engine.run import GroupDelta, Report
from contract_gate.estate.metrics import GroupMetrics, Ratio
from contract_gate.findings import Finding
from contract_gate.outputs.judged import held_by_policy_or_base, judged_line


def render(report: Report) -> str:
    """Findings first (what to fix), then the numbers and the verdict."""
    lines = [_finding(f) for f in report.findings]
    if lines:
        lines.append("")
    if report.incomplete:
        lines.append(incomplete_notice(report))
        lines.append("")
        lines.append(summary(report))
        return "\n".join(lines) + "\n"
    overall = report.metrics.overall
    lines.append(f"Documentation completeness: {_ratio(overall.completeness, 'operations')}")
    alignment = overall.alignment
    out_of_view = f", {alignment.out_of_view} out of view" if alignment.out_of_view else ""
    lines.append(f"SLO alignment ({alignment.scope}): {_ratio(alignment.ratio, 'pairs')}{out_of_view}")
    statuses = Counter(pair.status for pair in report.pairs)
    if statuses:
        lines.append("  Pairs: " + " · ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    lines.append(_groups("By BU", report.metrics.by_bu))
    lines.append(_groups("By service", report.metrics.by_service))
    lines.extend(_diff_lines(report))
    lines.extend(_baseline_lines(report))
    judged = judged_line(report)
    if judged is not None and held_by_policy_or_base(report):
        lines += ["", judged]
    lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _finding(finding: Finding) -> str:
    where = finding.file or "(estate)"
    if finding.line is not None:
        where += f":{finding.line}:{finding.column or 1}"
    return f"{where}: {finding.severity.value} [{finding.rule}] {finding.message}"


def _ratio(ratio: Ratio, unit: str) -> str:
    if ratio.denominator == 0:
        return f"n/a (no {unit})"
    return f"{ratio.shown()} ({ratio.numerator}/{ratio.denominator} {unit})"


def _groups(title: str, groups: dict[str, GroupMetrics]) -> str:
    parts = []
    for name, g in groups.items():
        part = f"{name} {g.completeness.shown()} ({g.completeness.numerator}/{g.completeness.denominator})"
        if g.alignment.ratio.denominator:
            part += f", aligned {g.alignment.ratio.shown()}"
        parts.append(part)
    return f"  {title}: " + (" · ".join(parts) if parts else "none")


def incomplete_notice(report: Report) -> str:
    """Why no metrics are shown: specs whose operations could not be read."""
    files = report.incomplete
    shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return (
        f"Metrics INCOMPLETE, not shown: the check of {len(files)} spec{'s' * (len(files) != 1)} crashed"
        f" before {'their' if len(files) != 1 else 'its'} operations were read ({shown});"
        " completeness and alignment without them are not the estate's. See the findings above."
    )


def summary(report: Report) -> str:
    """The verdict line: finding counts by severity, files, and whether the gate passed."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in report.findings:
        counts[finding.severity.value] += 1
    detail = ", ".join(f"{n} {s}{'s' * (n != 1)}" for s, n in counts.items() if n)
    total = len(report.findings)
    verdict = (
        "gate could not finish (metrics incomplete)"
        if report.incomplete
        else "gate passed"
        if report.passed
        else "gate FAILED"
    )
    files = f"{report.files_checked} file{'s' * (report.files_checked != 1)}"
    return f"{total} finding{'s' * (total != 1)}{f' ({detail})' if detail else ''} in {files}: {verdict}"


def _diff_lines(report: Report) -> list[str]:
    """With --base: the comparison, the metrics with their deltas, and the pre-existing findings."""
    diff = report.diff
    if diff is None:
        return []
    metrics = report.metrics
    new, old = len(report.findings), len(report.pre_existing)
    lines = [
        "",
        f"Against {diff.revision} ({diff.commit[:12]}): {new} new finding{'s' * (new != 1)},"
        f" {old} pre-existing (not failing), {diff.fixed} fixed",
        "  " + _group_delta(metrics.overall, diff.overall),
        _delta_groups("By BU", metrics.by_bu, diff.by_bu),
        _delta_groups("By service", metrics.by_service, diff.by_service),
    ]
    if report.pre_existing:
        lines.append("Pre-existing findings (not failing):")
        lines.extend(f"  {_finding(f)}" for f in report.pre_existing)
    return lines


def _group_delta(group: GroupMetrics, delta: GroupDelta) -> str:
    text = f"completeness {_delta(group.completeness, delta.completeness)}"
    if group.alignment.ratio.denominator:
        text += f", alignment {_delta(group.alignment.ratio, delta.alignment)}"
    return text


def _delta(ratio: Ratio, delta: float | None) -> str:
    """Like "75.0% (+8.3)"; "(new)" when there is nothing to compare with."""
    if ratio.percent is None:
        return "n/a"
    return f"{ratio.shown()} ({'new' if delta is None else f'{delta:+.1f}'})"


def _delta_groups(title: str, groups: dict[str, GroupMetrics], deltas: dict[str, GroupDelta]) -> str:
    parts = [
        f"{name} {_group_delta(g, deltas.get(name, GroupDelta(None, None)))}" for name, g in groups.items()
    ]
    parts.extend(f"{name} (gone)" for name in deltas if name not in groups)
    return f"  {title}: " + (" · ".join(parts) if parts else "none")


def _baseline_lines(report: Report) -> list[str]:
    """With --baseline: how many findings it hid, and how many of its entries no longer occur."""
    info = report.baseline_info
    if info is None:
        return []
    hidden = f"{info.hidden} finding{'s' * (info.hidden != 1)} hidden"
    stale = len(info.stale)
    no_longer = f"; {stale} entr{'ies' if stale != 1 else 'y'} no longer occur{'s' * (stale == 1)} (stale)"
    return ["", f"Baseline {info.file}: {hidden}{no_longer if stale else ''}"]
