"""The one entry point: `run(paths, settings) -> Report`, used by the CLI and by tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from contract_gate.alignment import Pair, analyze
from contract_gate.checker import FileResult, Settings, check_file, problems_to_findings
from contract_gate.config import Config
from contract_gate.discovery import Candidate, discover
from contract_gate.findings import Finding, Problem
from contract_gate.loader import display_path
from contract_gate.metrics import Metrics, compute_metrics
from contract_gate.model import Service
from contract_gate.pool import Isolation, check_isolated


class NoSpecsError(Exception):
    """Nothing to check: no spec (and no broken spec) among the inputs."""


@dataclass
class Report:
    """Everything a formatter may show."""

    findings: list[Finding]
    services: list[Service]
    pairs: list[Pair]
    metrics: Metrics
    config: Config
    files_checked: int
    internal_errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """The gate: no finding at or above fail-on, no threshold missed, no internal error."""
        return not self.internal_errors and not any(self.fails(f) for f in self.findings)

    def fails(self, finding: Finding) -> bool:
        """Whether this finding alone fails the gate."""
        if finding.rule.startswith("threshold-"):
            return True
        return finding.severity.rank >= self.config.fail_on.rank


def run(
    inputs: list[Path],
    settings: Settings,
    base: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    isolation: Isolation | None = None,
) -> Report:
    """Check every spec under `inputs` and the estate they form.

    With `isolation`, files are checked in worker processes (in parallel, and a crash
    or a hang in one file becomes a finding for it); without, in this process.
    """
    config = settings.config
    candidates = discover(inputs, config.exclude, base or Path.cwd())
    if isolation is not None:
        results = check_isolated(candidates, settings, isolation, _check_candidate, progress)
    else:
        results = []
        for index, candidate in enumerate(candidates, 1):
            results.append(_check_candidate(candidate, settings))
            if progress is not None:
                progress(index, len(candidates))
    relevant = [r for r in results if r.is_spec or r.findings]
    if not relevant:
        raise NoSpecsError(_nothing_found(inputs, len(candidates)))
    services = [r.service for r in results if r.service is not None]
    pairs, call_problems = analyze(services, config)
    metrics = compute_metrics(services, pairs, config.alignment_scope)
    anchors = {anchor: at for r in results for anchor, at in r.anchors.items()}
    findings = [f for r in results for f in r.findings]
    estate_problems = call_problems + _estate_problems(results, metrics, config)
    findings.extend(problems_to_findings(estate_problems, config, anchors))
    findings.sort(key=lambda f: f.sort_key)
    return Report(
        findings=findings,
        services=services,
        pairs=pairs,
        metrics=metrics,
        config=config,
        files_checked=len(relevant),
        internal_errors=[r.internal_error for r in results if r.internal_error],
    )


def _check_candidate(candidate: Candidate, settings: Settings) -> FileResult:
    real = candidate.path.resolve()
    root = settings.ref_root.resolve()
    if not candidate.explicit and real != root and root not in real.parents:
        display = display_path(candidate.path)
        problem = Problem(
            "ref-forbidden",
            "this file is a symlink that leads outside the ref root; it was not read",
            display,
            line=1,
            column=1,
        )
        return FileResult(display, True, findings=problems_to_findings([problem], settings.config))
    return check_file(candidate.path, candidate.explicit, settings)


def _estate_problems(results: list[FileResult], metrics: Metrics, config: Config) -> list[Problem]:
    problems: list[Problem] = []
    first_seen: dict[str, FileResult] = {}
    for result in results:
        service = result.service
        if service is None:
            continue
        earlier = first_seen.setdefault(service.id, result)
        if earlier is not result:
            line, column = result.service_position or (1, 1)
            problems.append(
                Problem(
                    "service-duplicate",
                    f'service id "{service.id}" is also declared by {earlier.file};'
                    " give one of them a distinct info.x-service",
                    result.file,
                    service.id_pointer,
                    service.id,
                    discriminator=result.file,
                    line=line,
                    column=column,
                )
            )
    completeness = metrics.overall.completeness
    if completeness.below(config.min_completeness):
        problems.append(
            Problem(
                "threshold-completeness",
                f"documentation completeness {completeness.shown()} ({completeness.numerator}"
                f"/{completeness.denominator} operations) is below min-completeness"
                f" {config.min_completeness:g}%",
            )
        )
    alignment = metrics.overall.alignment.ratio
    if alignment.below(config.min_alignment):
        problems.append(
            Problem(
                "threshold-alignment",
                f"SLO alignment {alignment.shown()} ({alignment.numerator}/{alignment.denominator}"
                f" pairs) is below min-alignment {config.min_alignment:g}%",
            )
        )
    return problems


def _nothing_found(inputs: list[Path], candidates: int) -> str:
    named = ", ".join(display_path(p) for p in inputs)
    if candidates == 0:
        return f"no spec files (*.yaml, *.yml, *.json) found in {named}"
    return f"no OpenAPI/Swagger spec found in {named} ({candidates} files looked at)"
