"""What `contract-gate check` reports: the run, compared with a git revision, through a baseline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from contract_gate.engine.cache import Cache
from contract_gate.engine.checker import Settings
from contract_gate.engine.pool import Isolation
from contract_gate.engine.run import Report, run
from contract_gate.history import baseline as baselines

if TYPE_CHECKING:
    from contract_gate.history.diff import Revision


def check(
    inputs: list[Path],
    settings: Settings,
    base: Path,
    *,
    revision: Revision | None = None,
    baseline: baselines.Baseline | None = None,
    isolation: Isolation | None = None,
    cache: Cache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The gate over `inputs`, as `check` reports it.

    With `revision` (diff mode) only new findings fail, and the metrics carry their deltas;
    then the findings `baseline` accepts are hidden. `base` is the folder config paths are
    relative to.
    """
    report = run(inputs, settings, base=base, progress=progress, isolation=isolation, cache=cache)
    if revision is not None:
        # Diff mode (git, temporary checkouts) is imported only when asked for.
        from contract_gate.history import diff

        report = diff.against(report, revision, inputs, settings, base, isolation)
    if baseline is not None:
        report = baselines.apply(report, baseline)
    return report
