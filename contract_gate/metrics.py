"""The headline numbers, computed from the model (never by counting findings)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from contract_gate.model import Operation, Service

UNOWNED = "(unowned)"


@dataclass(frozen=True, slots=True)
class Ratio:
    """numerator / denominator as a percentage with one decimal; None (n/a) when empty."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """Rounded to one decimal; None when the denominator is 0."""
        if self.denominator == 0:
            return None
        return round(100.0 * self.numerator / self.denominator, 1)

    def below(self, threshold: float) -> bool:
        """Exactly below a threshold in percent (n/a is never below)."""
        return self.denominator > 0 and 100.0 * self.numerator < threshold * self.denominator

    def shown(self) -> str:
        """Like "75.0%", or "n/a"."""
        return "n/a" if self.percent is None else f"{self.percent:.1f}%"


@dataclass(frozen=True, slots=True)
class Alignment:
    """SLO alignment: aligned pairs in scope, plus the out-of-view pairs left out."""

    ratio: Ratio = Ratio(0, 0)
    scope: str = "cross-bu"
    out_of_view: int = 0


@dataclass(frozen=True, slots=True)
class GroupMetrics:
    """Both metrics for one group (everything, a BU or a service)."""

    completeness: Ratio
    alignment: Alignment


@dataclass(frozen=True, slots=True)
class Metrics:
    """Overall, per BU and per service."""

    overall: GroupMetrics
    by_bu: dict[str, GroupMetrics] = field(default_factory=dict)
    by_service: dict[str, GroupMetrics] = field(default_factory=dict)


def completeness(operations: Iterable[Operation]) -> Ratio:
    """External operations with a valid owner and SLO / all external operations."""
    external = [op for op in operations if not op.internal]
    return Ratio(sum(op.documented for op in external), len(external))


def compute_metrics(services: Iterable[Service], scope: str) -> Metrics:
    """Completeness overall, per BU (effective valid owner, else "(unowned)") and per service."""
    services = list(services)
    operations = [op for service in services for op in service.external]
    by_bu_ops: dict[str, list[Operation]] = {}
    for op in operations:
        by_bu_ops.setdefault(op.bu or UNOWNED, []).append(op)
    by_service_ops: dict[str, list[Operation]] = {}
    for service in services:
        by_service_ops.setdefault(service.id, []).extend(service.external)
    empty = Alignment(scope=scope)
    return Metrics(
        overall=GroupMetrics(completeness(operations), empty),
        by_bu={bu: GroupMetrics(completeness(ops), empty) for bu, ops in sorted(by_bu_ops.items())},
        by_service={
            sid: GroupMetrics(completeness(ops), empty) for sid, ops in sorted(by_service_ops.items())
        },
    )
