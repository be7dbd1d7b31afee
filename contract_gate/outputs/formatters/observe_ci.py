"""`observe --format sarif|junit|gitlab|github`: the observe findings in the formats CI platforms read.

The findings go through `check`'s formatters unchanged (same file:line:col, fingerprints and rule
metadata); GitHub's closing notice gives the SLO conformance instead of the gate's metrics.
"""

from __future__ import annotations

from contract_gate.observe.judge import Observation
from contract_gate.outputs.formatters import github, gitlab, junit, sarif


def render_sarif(observation: Observation) -> str:
    """SARIF 2.1.0, as `check --format sarif`."""
    return sarif.render(observation.report)


def render_junit(observation: Observation) -> str:
    """JUnit XML, as `check --format junit`."""
    return junit.render(observation.report)


def render_gitlab(observation: Observation) -> str:
    """GitLab Code Quality, as `check --format gitlab`."""
    return gitlab.render(observation.report)


def render_github(observation: Observation) -> str:
    """One workflow-command annotation per finding, then a notice with the conformance."""
    lines = [github.annotation(f) for f in observation.report.findings]
    overall = observation.conformance.overall
    verdict = "passed" if observation.passed else "FAILED"
    summary = (
        f"observe {verdict} · {len(observation.report.findings)} findings · SLO conformance"
        f" {overall.shown()} ({overall.numerator}/{overall.denominator} operations with data)"
        f" over {observation.window}"
    )
    lines.append(f"::notice title=contract-gate observe::{github.escape_data(summary)}")
    return "\n".join(lines) + "\n"
