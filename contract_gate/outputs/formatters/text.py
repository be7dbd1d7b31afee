"""`--format text`: one `file:line:col: severity [rule] message` line per finding, then the totals.

Every finding has its line (CI logs and annotations need them all); the summary after them
(findings by rule, the metrics by BU and by service) is wrapped for an 80-column terminal
and its lists are capped, pointing to `--format json` for the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from contract_gate.engine.run import GroupDelta, Report
from contract_gate.estate.alignment import Pair, PairStatus
from contract_gate.estate.metrics import GroupMetrics, Ratio
from contract_gate.findings import Finding
from contract_gate.outputs.judged import held_by_policy_or_base, judged_line
from contract_gate.outputs.wrapping import capped, wrapped
from contract_gate.snapshot.rules import SNAPSHOT_INVALID

_CONTEXT_SHOWN = 5  # snapshots listed one per line; the rest counted

RULES_SHOWN = 10
GROUPS_SHOWN = 15
SEVERITIES = ("error", "warning", "info")
# How `Pair.not_counted` reasons read in the Pairs line, in the order they are listed.
NOT_COUNTED = {"same-bu": "same-BU", "out-of-view": "out-of-view", "internal": "internal"}


def render(report: Report) -> str:
    """Findings first (what to fix), then their totals, the numbers and the verdict."""
    lines = [finding_line(f) for f in report.findings]
    if lines:
        lines += ["", *finding_totals(report.findings), ""]
    if report.incomplete:
        lines.append(incomplete_notice(report))
        lines.append("")
        lines.append(summary(report))
        return "\n".join(lines) + "\n"
    lines.extend(_metric_lines(report))
    lines.extend(_context_lines(report))
    lines.extend(_diff_lines(report))
    lines.extend(_baseline_lines(report))
    judged = judged_line(report)
    if judged is not None and held_by_policy_or_base(report):
        lines += ["", judged]
    lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def finding_line(finding: Finding) -> str:
    """`file:line:col: severity [rule] message`."""
    where = finding.file or "(estate)"
    if finding.line is not None:
        where += f":{finding.line}:{finding.column or 1}"
    return f"{where}: {finding.severity.value} [{finding.rule}] {finding.message}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _severity_counts(findings: Iterable[Finding]) -> str:
    """Like "17 errors, 3 warnings, 2 infos": the severities that occur, most severe first."""
    counts = Counter(f.severity.value for f in findings)
    return ", ".join(_plural(counts[s], s) for s in SEVERITIES if counts[s])


def finding_totals(findings: list[Finding]) -> list[str]:
    """The findings per severity, and per rule (largest first, capped)."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    ranked = sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0]))
    rules = [f"{rule} {_rule_count(of_rule)}" for rule, of_rule in ranked]
    return [
        f"Findings: {len(findings)} ({_severity_counts(findings)})",
        *wrapped("  By rule:", capped(rules, RULES_SHOWN), "    "),
    ]


def _rule_count(findings: list[Finding]) -> str:
    """Like "3 errors"; "3 (1 error, 2 warnings)" for a rule whose severity depends on the case."""
    if len({f.severity for f in findings}) == 1:
        return _plural(len(findings), findings[0].severity.value)
    return f"{len(findings)} ({_severity_counts(findings)})"


def _metric_lines(report: Report) -> list[str]:
    """Both metrics overall, the pairs behind alignment, and both by BU and by service."""
    overall = report.metrics.overall
    alignment = overall.alignment
    out_of_view = f", {alignment.out_of_view} out of view" if alignment.out_of_view else ""
    return [
        f"Documentation completeness: {_ratio(overall.completeness, 'operations')}",
        f"SLO alignment ({alignment.scope}): {_ratio(alignment.ratio, 'pairs')}{out_of_view}",
        *_pair_lines(report.pairs, alignment.scope),
        *_groups("By BU", report.metrics.by_bu),
        *_groups("By service", report.metrics.by_service),
    ]


def _ratio(ratio: Ratio, unit: str) -> str:
    if ratio.denominator == 0:
        return f"n/a (no {unit})"
    return f"{ratio.shown()} ({ratio.numerator}/{ratio.denominator} {unit})"


def _pair_lines(pairs: list[Pair], scope: str) -> list[str]:
    """The pairs by status, and how many of them the alignment leaves out, and why."""
    if not pairs:
        return []
    statuses = Counter(pair.status for pair in pairs)
    items = [f"{statuses[s]} {s.value}" for s in PairStatus if statuses[s]]
    reasons = Counter(pair.not_counted(scope) for pair in pairs)
    left_out = [f"{reasons[reason]} {shown}" for reason, shown in NOT_COUNTED.items() if reasons[reason]]
    note = None
    if left_out:
        under = f" under {scope}" if reasons["same-bu"] else ""
        note = f"({', '.join(left_out)}, not counted{under})"
    return wrapped("  Pairs:", items, "    ", note)


def _groups(title: str, groups: dict[str, GroupMetrics]) -> list[str]:
    """Each group's completeness and alignment; past the cap, the lowest completeness first."""
    if not groups:
        return [f"  {title}: none"]
    ordered = list(groups.items())
    if len(ordered) > GROUPS_SHOWN:
        ordered.sort(key=_lowest_first)
        title += ", lowest completeness first"
    items = [_group(name, g) for name, g in ordered]
    return wrapped(f"  {title}:", capped(items, GROUPS_SHOWN), "    ")


def _group(name: str, group: GroupMetrics) -> str:
    """Like "ECOM-BU completeness 75.0% (3/4), alignment 50.0% (1/2)"."""
    c, a = group.completeness, group.alignment.ratio
    text = f"{name} completeness {c.shown()} ({c.numerator}/{c.denominator})"
    if a.denominator:
        text += f", alignment {a.shown()} ({a.numerator}/{a.denominator})"
    return text


def _lowest_first(item: tuple[str, GroupMetrics]) -> tuple[bool, float, int, str]:
    """n/a last; among equal percentages, the most operations missing first."""
    name, group = item
    c = group.completeness
    return c.percent is None, c.percent or 0.0, c.numerator - c.denominator, name


def incomplete_notice(report: Report) -> str:
    """Why no metrics are shown: specs whose check crashed, snapshots that could not be read."""
    files = report.incomplete
    shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    unread = {f.file for f in report.findings if f.rule == SNAPSHOT_INVALID.id}
    plural = len(files) != 1
    if all(file in unread for file in files):
        what = f"{len(files)} contract snapshot{'s' * plural} could not be read, so"
        what += f" {'their' if plural else 'its'} operations are missing"
    elif any(file in unread for file in files):
        what = f"{len(files)} files were not read to the end (crashed checks, unreadable snapshots)"
    else:
        what = f"the check of {len(files)} spec{'s' * plural} crashed before"
        what += f" {'their' if plural else 'its'} operations were read"
    return (
        f"Metrics INCOMPLETE, not shown: {what} ({shown});"
        " completeness and alignment without them are not the estate's. See the findings above."
    )


def _context_lines(report: Report) -> list[str]:
    """The snapshots taken as context: how many services, from where and of when."""
    if not report.context:
        return []
    services = sum(source.services for source in report.context)
    lines = [
        "",
        f"Context (not gated): {_plural(services, 'service')}"
        f" from {_plural(len(report.context), 'snapshot')}",
    ]
    for source in report.context[:_CONTEXT_SHOWN]:
        origin = source.repository or "no repository"
        if source.commit:
            origin += f"@{source.commit[:12]}"
        lines.append(f"  {source.file}: {origin}, exported {source.time:%Y-%m-%d %H:%M} UTC")
    if len(report.context) > _CONTEXT_SHOWN:
        lines.append(f"  and {len(report.context) - _CONTEXT_SHOWN} more")
    return lines


def summary(report: Report) -> str:
    """The verdict line: finding counts by severity, files, and whether the gate passed."""
    detail = _severity_counts(report.findings)
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
        *_delta_groups("By BU", metrics.by_bu, diff.by_bu),
        *_delta_groups("By service", metrics.by_service, diff.by_service),
    ]
    if report.pre_existing:
        lines.append("Pre-existing findings (not failing):")
        lines.extend(f"  {finding_line(f)}" for f in report.pre_existing)
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


def _delta_groups(title: str, groups: dict[str, GroupMetrics], deltas: dict[str, GroupDelta]) -> list[str]:
    """Each group's metrics with their deltas, then the groups gone; past the cap, the largest drops first."""
    rows: list[tuple[str, GroupDelta, GroupMetrics | None]] = [
        (name, deltas.get(name, GroupDelta(None, None)), g) for name, g in groups.items()
    ]
    rows += [(name, delta, None) for name, delta in deltas.items() if name not in groups]
    if not rows:
        return [f"  {title}: none"]
    if len(rows) > GROUPS_SHOWN:
        rows.sort(key=_largest_drop_first)
        title += ", largest drops first"
    items = [f"{name} {'(gone)' if g is None else _group_delta(g, delta)}" for name, delta, g in rows]
    return wrapped(f"  {title}:", capped(items, GROUPS_SHOWN), "    ")


def _largest_drop_first(row: tuple[str, GroupDelta, GroupMetrics | None]) -> tuple[bool, float, float, str]:
    """Groups gone first, then by the change in completeness, then in alignment (new: no change)."""
    name, delta, group = row
    return group is not None, delta.completeness or 0.0, delta.alignment or 0.0, name


def _baseline_lines(report: Report) -> list[str]:
    """With --baseline: how many findings it hid, and how many of its entries no longer occur."""
    info = report.baseline_info
    if info is None:
        return []
    hidden = f"{info.hidden} finding{'s' * (info.hidden != 1)} hidden"
    stale = len(info.stale)
    no_longer = f"; {stale} entr{'ies' if stale != 1 else 'y'} no longer occur{'s' * (stale == 1)} (stale)"
    return ["", f"Baseline {info.file}: {hidden}{no_longer if stale else ''}"]
