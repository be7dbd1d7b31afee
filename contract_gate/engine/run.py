"""The one entry point: `run(paths, settings) -> Report`, used by the CLI and by tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from contract_gate.config.judged import JudgedValue
from contract_gate.config.settings import Config
from contract_gate.engine.cache import Cache
from contract_gate.engine.checker import (
    FileResult,
    Settings,
    check_file,
    estate_findings,
    problems_to_findings,
)
from contract_gate.engine.pool import Isolation, check_isolated, collection_paused
from contract_gate.engine.rules import (
    SERVICE_DUPLICATE,
    THRESHOLD_ALIGNMENT,
    THRESHOLD_COMPLETENESS,
    THRESHOLD_IDS,
)
from contract_gate.engine.snapshots import Context, ContextSource, read_context, snapshot_results
from contract_gate.estate.alignment import Pair, analyze
from contract_gate.estate.metrics import Metrics, compute_metrics
from contract_gate.findings import Finding, Problem
from contract_gate.load.discovery import Candidate, discover
from contract_gate.load.loader import display_path
from contract_gate.load.refs import inside
from contract_gate.load.rules import REF_FORBIDDEN
from contract_gate.snapshot.read import looks_like_snapshot
from contract_gate.spec.model import Service


class NoSpecsError(Exception):
    """Nothing to check: no spec (and no broken spec) among the inputs."""


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One accepted finding in a baseline file: its fingerprint, and what it was, for humans."""

    fingerprint: str
    rule: str
    file: str | None
    operation: str | None
    message: str


@dataclass(frozen=True, slots=True)
class BaselineInfo:
    """What `check --baseline FILE` did: findings hidden, and entries that no longer occur."""

    file: str
    hidden: int
    stale: tuple[BaselineEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupDelta:
    """Change of both metrics of one group against the base, in percentage points (None: n/a)."""

    completeness: float | None
    alignment: float | None


@dataclass(frozen=True, slots=True)
class DiffInfo:
    """What `check --base REV` compared with: the base revision, its metrics and the deltas."""

    revision: str
    commit: str
    base_metrics: Metrics
    overall: GroupDelta
    by_bu: dict[str, GroupDelta] = field(default_factory=dict)
    by_service: dict[str, GroupDelta] = field(default_factory=dict)
    fixed: int = 0  # fingerprints found at the base that no longer occur


@dataclass
class Report:
    """Everything a formatter may show.

    `findings` are those the gate judges. With a base revision, findings that already
    occurred there are moved to `pre_existing` (shown, never failing); a baseline drops
    the findings it lists from both and says so in `baseline_info`.
    """

    findings: list[Finding]
    services: list[Service]
    pairs: list[Pair]
    metrics: Metrics
    config: Config
    files_checked: int
    internal_errors: list[str] = field(default_factory=list)
    # Specs whose check crashed before their service was read: the metrics leave them out.
    incomplete: list[str] = field(default_factory=list)
    pre_existing: list[Finding] = field(default_factory=list)
    baseline_info: BaselineInfo | None = None
    diff: DiffInfo | None = None
    # The policy keys as applied and where each came from (the config, the base, the policy…).
    judged_by: tuple[JudgedValue, ...] = ()
    # The snapshots whose services resolved calls without being gated (`--context`).
    context: tuple[ContextSource, ...] = ()
    # Ids of the services read from snapshots among the inputs: no spec text of theirs is at hand.
    from_snapshots: frozenset[str] = frozenset()

    @property
    def passed(self) -> bool:
        """The gate: no finding at or above fail-on, no threshold missed, no internal error."""
        finished = not self.internal_errors and not self.incomplete
        return finished and not any(self.fails(f) for f in self.findings)

    def fails(self, finding: Finding) -> bool:
        """Whether this finding alone fails the gate."""
        if finding.rule in THRESHOLD_IDS:
            return True
        return finding.severity.rank >= self.config.fail_on.rank


def run(
    inputs: list[Path],
    settings: Settings,
    base: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    isolation: Isolation | None = None,
    cache: Cache | None = None,
) -> Report:
    """Check every spec under `inputs` and the estate they form.

    With `isolation`, files are checked in worker processes (in parallel, and a crash
    or a hang in one file becomes a finding for it); without, in this process. With a
    `cache`, files whose bytes (and whose referenced files) did not change are not rechecked.
    """
    config = settings.config
    results = collect(inputs, settings, base, progress, isolation, cache)
    relevant = [r for r in results if r.is_spec or r.findings]
    context = read_context(settings) if settings.context else Context([], [], [])
    results.extend(context.results)
    firsts, duplicates = _by_service_id(results)
    services = [r.service for r in firsts if r.service is not None]
    gated = frozenset(service.id for service in services)
    # SPEC §11: a service both checked and in the context is taken from the checked specs.
    outside = [service for service in context.services if service.id not in gated]
    with collection_paused():
        pairs, call_problems = analyze([*services, *outside], config.policy)
        if outside:
            pairs = [p for p in pairs if p.caller.service in gated or p.callee.service in gated]
            call_problems = [p for p in call_problems if p.service is None or p.service in gated]
        metrics = compute_metrics(services, pairs, config.alignment_scope, gated if outside else None)
        anchors = {r.service.id: r.anchors for r in firsts if r.service is not None}
        findings = [f for r in results for f in r.findings]
        lost = [r.file for r in results if r.lost]
        # A threshold judged on metrics that lack a spec would mislead: none is judged then.
        thresholds = _threshold_problems(metrics, config) if not lost else []
        estate_problems = [*call_problems, *_duplicate_problems(duplicates), *thresholds]
        findings.extend(estate_findings(estate_problems, config, anchors))
        findings.sort(key=lambda f: f.sort_key)
    return Report(
        findings=findings,
        services=services,
        pairs=pairs,
        metrics=metrics,
        config=config,
        files_checked=len(relevant),
        internal_errors=[r.internal_error for r in results if r.internal_error],
        incomplete=lost,
        context=tuple(context.sources),
        from_snapshots=frozenset(r.service.id for r in firsts if r.service is not None and r.snapshot),
    )


def _check_all(
    candidates: list[Candidate],
    settings: Settings,
    isolation: Isolation | None,
    progress: Callable[[int, int], None] | None,
    cache: Cache | None,
) -> list[FileResult]:
    with collection_paused():
        cached = [cache.lookup(c, settings) if cache is not None else None for c in candidates]
    todo = [c for c, hit in zip(candidates, cached, strict=True) if hit is None]
    if isolation is not None:
        # Each worker stores what it checked: the pickling and writing run in parallel, not in turn.
        keep = cache.store if cache is not None else None
        fresh = check_isolated(todo, settings, isolation, _check_candidate, progress, keep)
    else:
        fresh = []
        for index, candidate in enumerate(todo, 1):
            fresh.append(_check_candidate(candidate, settings))
            if cache is not None:
                cache.store(candidate, settings, fresh[-1])
            if progress is not None:
                progress(index, len(todo))
    if cache is not None:
        cache.note_read(fresh)
        cache.close()
    new = iter(fresh)
    return [hit if hit is not None else next(new) for hit in cached]


def collect(
    inputs: list[Path],
    settings: Settings,
    base: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    isolation: Isolation | None = None,
    cache: Cache | None = None,
) -> list[FileResult]:
    """What each file under `inputs` gives alone, in path order: a spec checked, a snapshot read.

    NoSpecsError when there is neither a spec nor a file with findings among them.
    """
    candidates = discover(inputs, settings.config.exclude, base or Path.cwd())
    results = _results(candidates, settings, isolation, progress, cache)
    if not any(r.is_spec or r.findings for r in results):
        raise NoSpecsError(_nothing_found(inputs, len(candidates)))
    return results


def first_by_service(results: list[FileResult]) -> list[FileResult]:
    """The results whose service is the first with its id (SPEC §2: later ones are left out)."""
    return _by_service_id(results)[0]


def _results(
    candidates: list[Candidate],
    settings: Settings,
    isolation: Isolation | None,
    progress: Callable[[int, int], None] | None,
    cache: Cache | None,
) -> list[FileResult]:
    """Each candidate's results in path order: a spec checked, a contract snapshot read (SPEC §11)."""
    snapshots = {c.path for c in candidates if looks_like_snapshot(c.path, c.explicit)}
    specs = [c for c in candidates if c.path not in snapshots]
    checked = iter(_check_all(specs, settings, isolation, progress, cache))
    results: list[FileResult] = []
    for candidate in candidates:
        if candidate.path in snapshots:
            results.extend(snapshot_results(candidate.path, settings))
        else:
            results.append(next(checked))
    return results


def _check_candidate(candidate: Candidate, settings: Settings) -> FileResult:
    if not candidate.explicit and not inside(settings.ref_root, candidate.path):
        display = display_path(candidate.path)
        problem = Problem(
            REF_FORBIDDEN,
            "this file is a symlink that leads outside the ref root; it was not read",
            display,
            line=1,
            column=1,
        )
        return FileResult(display, True, findings=problems_to_findings([problem], settings.config))
    return check_file(candidate.path, candidate.explicit, settings)


def _by_service_id(results: list[FileResult]) -> tuple[list[FileResult], list[tuple[FileResult, FileResult]]]:
    """The results whose service id is first by path order, and (later one, first one) pairs.

    SPEC §2: a later spec with the same id is left out whole: its operations, calls and
    consumers count nowhere, and calls to that id resolve against the first.
    """
    first_seen: dict[str, FileResult] = {}
    firsts: list[FileResult] = []
    duplicates: list[tuple[FileResult, FileResult]] = []
    for result in results:
        if result.service is None:
            continue
        earlier = first_seen.setdefault(result.service.id, result)
        if earlier is result:
            firsts.append(result)
        else:
            duplicates.append((result, earlier))
    return firsts, duplicates


def _duplicate_problems(duplicates: list[tuple[FileResult, FileResult]]) -> list[Problem]:
    problems: list[Problem] = []
    for result, earlier in duplicates:
        service = result.service
        assert service is not None
        line, column = (result.service_position or (1, 1)) if result.snapshot is None else (1, 1)
        problems.append(
            Problem(
                SERVICE_DUPLICATE,
                f'service id "{service.id}" is also declared by {_named(earlier)}, which comes first:'
                f" {'this spec' if result.snapshot is None else _named(result)} is left out of the"
                " metrics and the pairs; give one of them a distinct info.x-service",
                result.snapshot or result.file,
                service.id_pointer,
                service.id,
                discriminator=result.file,
                line=line,
                column=column,
            )
        )
    return problems


def _named(result: FileResult) -> str:
    """A spec's file, or the snapshot holding it (SPEC §11: a duplicate names both sources)."""
    return result.file if result.snapshot is None else f"{result.file} (in the snapshot {result.snapshot})"


def _threshold_problems(metrics: Metrics, config: Config) -> list[Problem]:
    problems: list[Problem] = []
    completeness = metrics.overall.completeness
    if completeness.below(config.min_completeness):
        problems.append(
            Problem(
                THRESHOLD_COMPLETENESS,
                f"documentation completeness {completeness.shown_against(config.min_completeness)}"
                f" ({completeness.numerator}"
                f"/{completeness.denominator} operations) is below min-completeness"
                f" {config.min_completeness:g}%",
            )
        )
    alignment = metrics.overall.alignment.ratio
    if alignment.below(config.min_alignment):
        problems.append(
            Problem(
                THRESHOLD_ALIGNMENT,
                f"SLO alignment {alignment.shown_against(config.min_alignment)}"
                f" ({alignment.numerator}/{alignment.denominator}"
                f" pairs) is below min-alignment {config.min_alignment:g}%",
            )
        )
    return problems


def _nothing_found(inputs: list[Path], candidates: int) -> str:
    named = ", ".join(display_path(p) for p in inputs)
    if candidates == 0:
        return f"no spec files (*.yaml, *.yml, *.json) found in {named}"
    looked_at = f"{candidates} file{'s' if candidates != 1 else ''} looked at"
    return f"no OpenAPI/Swagger spec found in {named} ({looked_at})"
