"""What `contract-gate check` reports: the run, compared with a git revision, through a baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from contract_gate.engine.cache import Cache
from contract_gate.engine.checker import Settings
from contract_gate.engine.pool import Isolation
from contract_gate.engine.run import Report, run
from contract_gate.findings import Finding, Problem
from contract_gate.history import baseline as baselines

if TYPE_CHECKING:
    from contract_gate.history.diff import Revision
    from contract_gate.history.policy import Judgement


def check(
    inputs: list[Path],
    settings: Settings,
    base: Path,
    *,
    revision: Revision | None = None,
    baseline: baselines.Baseline | None = None,
    judgement: Judgement | None = None,
    isolation: Isolation | None = None,
    cache: Cache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The gate over `inputs`, as `check` reports it.

    With `revision` (diff mode) only new findings fail, and the metrics carry their deltas;
    then the findings `baseline` accepts are hidden, except those of entries the change
    itself added (`baseline-grown`). `judgement` (`history.policy.judge`, whose config is
    `settings.config`) adds its findings on the configuration and says what judged the run.
    `base` is the folder config paths are relative to.
    """
    report = run(inputs, settings, base=base, progress=progress, isolation=isolation, cache=cache)
    if revision is not None:
        # Diff mode (git, temporary checkouts) is imported only when asked for.
        from contract_gate.history import diff

        report = diff.against(report, revision, inputs, settings, base, isolation)
    problems = list(judgement.problems) if judgement is not None else []
    if baseline is not None:
        if revision is not None:
            from contract_gate.history.policy import baseline_growth

            baseline, grown = baseline_growth(report, baseline, revision, settings.config.limits)
            problems.extend(grown)
        report = baselines.apply(report, baseline)
    judged_by = judgement.judged_by if judgement is not None else report.judged_by
    return _with_policy_findings(replace(report, judged_by=judged_by), problems)


def _with_policy_findings(report: Report, problems: list[Problem]) -> Report:
    """The findings on the gate's own configuration and baseline, at the severity configured."""
    if not problems:
        return report
    added = []
    for problem in problems:
        severity = report.config.severity_of(problem.rule, problem.case)
        if severity is not None:
            added.append(Finding.from_problem(problem, severity, problem.line, problem.column))
    return replace(report, findings=sorted([*report.findings, *added], key=lambda f: f.sort_key))
