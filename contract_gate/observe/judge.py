"""`observe`: each valid x-slo-p99 beside the observed p99, its findings and SLO conformance.

SLO conformance = external operations whose observed p99 is at most their x-slo-p99 ÷ external
operations with a valid x-slo-p99 and data, overall, per BU and per service (SPEC §13).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from contract_gate.config.settings import Config, PrometheusConfig
from contract_gate.engine.checker import problems_to_findings
from contract_gate.engine.run import Report
from contract_gate.estate.alignment import UNOWNED, Pair
from contract_gate.estate.metrics import Ratio
from contract_gate.estate.pairs import valid_ms
from contract_gate.extensions.values import format_millis
from contract_gate.findings import Problem
from contract_gate.load.loader import LoadError, load_document
from contract_gate.load.pointer import child
from contract_gate.observe.client import Connection, query_all
from contract_gate.observe.queries import observed_ms, series_of, service_query
from contract_gate.observe.rules import BUDGET_BREACHED, SLO_BREACHED, SLO_UNOBSERVED
from contract_gate.spec.model import Operation, Service


class Status(StrEnum):
    """How an operation's promise stands against what was measured."""

    MET = "met"
    BREACHED = "breached"
    UNOBSERVED = "unobserved"


@dataclass(frozen=True, slots=True)
class Observed:
    """One operation with a valid x-slo-p99: declared, and observed (None: no data)."""

    service: str
    operation: str
    operation_id: str | None
    bu: str
    internal: bool
    file: str
    declared: str
    declared_ms: float
    observed_ms: float | None

    @property
    def status(self) -> Status:
        """Met (observed ≤ declared), breached, or unobserved."""
        if self.observed_ms is None:
            return Status.UNOBSERVED
        return Status.MET if self.observed_ms <= self.declared_ms else Status.BREACHED


@dataclass(frozen=True, slots=True)
class Conformance:
    """SLO conformance overall, per BU and per service."""

    overall: Ratio
    by_bu: dict[str, Ratio] = field(default_factory=dict)
    by_service: dict[str, Ratio] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Observation:
    """What `observe` reports: the specs' report holding the observe findings, and the numbers."""

    report: Report
    operations: list[Observed]
    conformance: Conformance
    server: str
    window: str
    at: float
    # Observed p99 (ms) by (service, operation key), also of operations without a valid SLO.
    measured: dict[tuple[str, str], float] = field(default_factory=dict)
    # The services asked about: those with a valid SLO or a callee with a valid budget.
    queried: frozenset[str] = frozenset()

    @property
    def passed(self) -> bool:
        """No observe finding at or above fail-on (and the specs were all read)."""
        return self.report.passed


def observe(
    report: Report, settings: PrometheusConfig, connection: Connection, window: str, at: float
) -> Observation:
    """Ask the server for every service's p99 per operation and judge the specs' promises by it."""
    services = _first_by_id(report.services)
    wanted = {op.service for s in services for op in s.operations if op.slo_ms is not None}
    wanted |= {p.callee.service for p in report.pairs if budget_ms(p, report.config) is not None}
    asked = [s for s in services if s.id in wanted]
    answers = query_all(connection, [service_query(s.id, settings, window) for s in asked], at)
    measured = {
        (service.id, key): value
        for service, samples in zip(asked, answers, strict=True)
        for key, value in observed_ms(samples, service, settings).items()
    }
    rows = [
        _row(op, measured.get((op.service, op.key)))
        for service in services
        for op in service.operations
        if op.slo is not None and op.slo_ms is not None
    ]
    problems = _slo_problems(rows, services, settings, window)
    problems += _budget_problems(report, measured, window)
    findings = problems_to_findings(problems, report.config, _positions(problems, report.config))
    findings.sort(key=lambda f: f.sort_key)
    judged = replace(report, findings=findings, pre_existing=[], baseline_info=None, diff=None)
    queried = frozenset(s.id for s in asked)
    return Observation(judged, rows, conformance(rows), connection.url, window, at, measured, queried)


def conformance(rows: list[Observed]) -> Conformance:
    """Met ÷ external operations with an SLO and data; groups with an SLO but no data are n/a."""
    overall: list[Observed] = []
    by_bu: dict[str, list[Observed]] = {}
    by_service: dict[str, list[Observed]] = {}
    for row in rows:
        if row.internal:
            continue
        overall.append(row)
        by_bu.setdefault(row.bu, []).append(row)
        by_service.setdefault(row.service, []).append(row)

    def ratio(group: list[Observed]) -> Ratio:
        seen = [row for row in group if row.status is not Status.UNOBSERVED]
        return Ratio(sum(row.status is Status.MET for row in seen), len(seen))

    return Conformance(
        ratio(overall),
        {bu: ratio(group) for bu, group in sorted(by_bu.items())},
        {service: ratio(group) for service, group in sorted(by_service.items())},
    )


def _first_by_id(services: list[Service]) -> list[Service]:
    seen: dict[str, Service] = {}
    for service in services:
        seen.setdefault(service.id, service)
    return list(seen.values())


def _row(op: Operation, observed: float | None) -> Observed:
    assert op.slo is not None and op.slo_ms is not None
    return Observed(
        op.service,
        op.key,
        op.operation_id,
        op.bu or UNOWNED,
        op.internal,
        op.file,
        str(op.slo.value),
        op.slo_ms,
        observed,
    )


def _slo_problems(
    rows: list[Observed], services: list[Service], settings: PrometheusConfig, window: str
) -> list[Problem]:
    ops = {(op.service, op.key): op for s in services for op in s.operations}
    problems = []
    for row in rows:
        op = ops[(row.service, row.operation)]
        if row.observed_ms is None:
            message = (
                f"no requests in {settings.histogram}_bucket{{{series_of(op, settings)}}} over {window}:"
                f" the x-slo-p99 of {row.declared} is not measured"
            )
            problems.append(Problem(SLO_UNOBSERVED, message, op.file, op.pointer, op.service, op.key))
        elif row.status is Status.BREACHED:
            message = (
                f"observed p99 {_millis(row.observed_ms)} over {window} is above the declared x-slo-p99"
                f" of {row.declared}"
            )
            problems.append(Problem(SLO_BREACHED, message, op.file, op.pointer, op.service, op.key))
    return problems


def budget_ms(pair: Pair, config: Config) -> float | None:
    """The caller's valid budget of a resolved sync call; None for any other pair."""
    if pair.mode != "sync" or pair.callee.op is None or pair.caller.op is None or not pair.entries:
        return None
    return valid_ms(pair.budget, config.policy)


def _budget_problems(report: Report, measured: dict[tuple[str, str], float], window: str) -> list[Problem]:
    problems = []
    for pair in report.pairs:
        budget = budget_ms(pair, report.config)
        observed = measured.get((pair.callee.service, pair.callee.operation))
        if budget is None or observed is None or observed <= budget:
            continue
        file, entry = pair.entries[0]  # the caller's x-calls entry: a pair with a budget has one
        message = (
            f"{pair.caller.service} {pair.caller.operation} allows {pair.callee.service}"
            f" {pair.callee.operation} {pair.budget}, but its observed p99 over {window} is"
            f" {_millis(observed)}"
        )
        problems.append(
            Problem(
                BUDGET_BREACHED,
                message,
                file,
                child(entry, "x-slo-p99"),
                pair.caller.service,
                pair.caller.operation,
            )
        )
    return problems


def _positions(problems: list[Problem], config: Config) -> dict[tuple[str, str], tuple[int, int]]:
    """(file, pointer) -> (line, column): the files with findings read again, as the file checks did.

    The file checks locate only what the gate's own rules may cite; observe runs once per call
    and reads again just the files its findings are in.
    """
    positions: dict[tuple[str, str], tuple[int, int]] = {}
    by_file: dict[str, set[str]] = {}
    for problem in problems:
        if problem.file is not None:
            by_file.setdefault(problem.file, set()).add(problem.pointer)
    for file, pointers in by_file.items():
        try:
            document = load_document(Path(file), config.limits, display=file)
        except (LoadError, OSError):
            continue  # changed since it was checked: the finding keeps its file, without a line
        for pointer in pointers:
            positions[(file, pointer)] = document.locator.locate(pointer)
    return positions


def _millis(value: float) -> str:
    return format_millis(round(value, 3))
