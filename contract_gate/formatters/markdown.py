"""`--format markdown`: a summary for pull-request comments and $GITHUB_STEP_SUMMARY.

The verdict, the two metrics overall and per BU, counts by severity, then the top findings
(errors first). Cells are escaped so that messages cannot break the tables or turn into
markup (`<number>ms` would vanish as an HTML tag; `~1` in pointers would strike through).
"""

from __future__ import annotations

import re
from collections import Counter

from contract_gate.api import Report
from contract_gate.findings import Finding, Severity
from contract_gate.metrics import Alignment, Ratio

TOP = 20
_MARKUP = re.compile(r"([\\`*_\[\]~|])")


def render(report: Report) -> str:
    """The summary as GitHub/GitLab-flavoured Markdown."""
    verdict = ":white_check_mark: gate passed" if report.passed else ":x: gate failed"
    overall = report.metrics.overall
    # Diff mode (`check --base`) will add a change column to these two tables from the
    # metric deltas, once the Report carries them.
    lines = [
        f"## contract-gate: {verdict}",
        "",
        "| metric | value |",
        "|---|---|",
        f"| Documentation completeness | {_ratio(overall.completeness, 'operations')} |",
        f"| SLO alignment ({overall.alignment.scope}) | {_alignment(overall.alignment)} |",
    ]
    if report.metrics.by_bu:
        lines += ["", "| BU | completeness | alignment |", "|---|---|---|"]
        for bu, group in report.metrics.by_bu.items():
            completeness = _ratio(group.completeness, "operations")
            lines.append(f"| {cell(bu)} | {completeness} | {_alignment(group.alignment)} |")
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
