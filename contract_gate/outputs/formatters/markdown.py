"""`--format markdown`: a summary for pull-request comments and $GITHUB_STEP_SUMMARY.

The verdict, the two metrics overall and per BU, counts by severity, then the top findings
(errors first). Cells are escaped so that messages cannot break the tables or turn into
markup (`<number>ms` would vanish as an HTML tag; `~1` in pointers would strike through).
"""

from __future__ import annotations

import re
from collections import Counter

from contract_gate.engine.run import Report
from contract_gate.estate.metrics import Alignment, Ratio
from contract_gate.findings import Finding
from contract_gate.outputs.formatters.text import incomplete_notice
from contract_gate.outputs.judged import judged_line
from contract_gate.rules import Severity

TOP = 20
_MARKUP = re.compile(r"([\\`*_\[\]~|])")


def render(report: Report) -> str:
    """The summary as GitHub/GitLab-flavoured Markdown."""
    verdict = ":white_check_mark: gate passed" if report.passed else ":x: gate failed"
    overall = report.metrics.overall
    diff = report.diff
    lines = [f"## contract-gate: {verdict}", ""]
    if diff is not None:
        lines += [f"Compared with `{cell(diff.revision)}` ({diff.commit[:12]}).", ""]
    judged = judged_line(report)
    if judged is not None:
        lines += [cell(judged), ""]
    if report.incomplete:
        lines += [f"**{cell(incomplete_notice(report))}**", "", _counts(report)]
        return "\n".join([*lines, "", *_top(report.findings)]) + "\n"
    lines += [
        "| metric | value | change |" if diff else "| metric | value |",
        "|---|---|---|" if diff else "|---|---|",
        f"| Documentation completeness | {_ratio(overall.completeness, 'operations')}"
        + _change(diff.overall.completeness if diff else None, diff is not None),
        f"| SLO alignment ({overall.alignment.scope}) | {_alignment(overall.alignment)}"
        + _change(diff.overall.alignment if diff else None, diff is not None),
    ]
    if report.metrics.by_bu:
        header = "| BU | completeness | alignment |" + (" change |" if diff else "")
        lines += ["", header, "|---|---|---|" + ("---|" if diff else "")]
        for bu, group in report.metrics.by_bu.items():
            completeness = _ratio(group.completeness, "operations")
            row = f"| {cell(bu)} | {completeness} | {_alignment(group.alignment)}"
            delta = diff.by_bu.get(bu) if diff else None
            if diff is not None:
                row += f" | {_points(delta.completeness if delta else None)} /"
                row += f" {_points(delta.alignment if delta else None)}"
            lines.append(row + " |")
    lines += ["", _counts(report)]
    if report.findings:
        lines += ["", *_top(report.findings)]
    return "\n".join(lines) + "\n"


def cell(text: str) -> str:
    """Text safe in a table cell: no markup, no column break, no line break."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKUP.sub(r"\\\1", text)
    return text.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def _ratio(ratio: Ratio, unit: str) -> str:
    if ratio.denominator == 0:
        return f"n/a (no {unit})"
    return f"{ratio.shown()} ({ratio.numerator}/{ratio.denominator} {unit})"


def _alignment(alignment: Alignment) -> str:
    shown = _ratio(alignment.ratio, "pairs")
    return shown + (f", {alignment.out_of_view} out of view" if alignment.out_of_view else "")


def _change(delta: float | None, shown: bool) -> str:
    return f" | {_points(delta)} |" if shown else " |"


def _points(delta: float | None) -> str:
    return "n/a" if delta is None else f"{delta:+.1f} pts"


def _counts(report: Report) -> str:
    counts = Counter(finding.severity for finding in report.findings)
    total = len(report.findings)
    files = f"{report.files_checked} file{'s' * (report.files_checked != 1)}"
    detail = " · ".join(f"{counts[s]} {s.value}{'s' * (counts[s] != 1)}" for s in Severity)
    line = f"**{total} finding{'s' * (total != 1)}** in {files}: {detail}"
    if report.internal_errors:
        line += f" · **{len(report.internal_errors)} internal error(s)**: the check is incomplete"
    return line


def _top(findings: list[Finding]) -> list[str]:
    ranked = sorted(findings, key=lambda f: -f.severity.rank)  # stable: report order within a severity
    lines = ["| severity | where | rule | message |", "|---|---|---|---|"]
    for finding in ranked[:TOP]:
        where = finding.file or "(estate)"
        if finding.line is not None:
            where += f":{finding.line}"
        lines.append(
            f"| {finding.severity.value} | {cell(where)} | `{finding.rule}` | {cell(finding.message)} |"
        )
    if len(ranked) > TOP:
        more = len(ranked) - TOP
        lines += ["", f"…and {more} more finding{'s' * (more != 1)} not shown; see the full report."]
    return lines
