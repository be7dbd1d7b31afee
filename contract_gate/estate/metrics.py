"""The headline numbers, computed from the model (never by counting findings)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from contract_gate.estate.alignment import UNOWNED, Pair, PairStatus
from contract_gate.spec.model import Operation, Service


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
        """Exactly below a threshold in percent, as the threshold was written (n/a is never below)."""
        return self.denominator > 0 and Fraction(100 * self.numerator, self.denominator) < Fraction(
            str(threshold)
        )

    def shown(self) -> str:
        """Like "75.0%", or "n/a"."""
        return "n/a" if self.percent is None else f"{self.percent:.1f}%"

    def shown_against(self, threshold: float) -> str:
        """Like `shown`, with as many decimals as it takes to fall on the same side of the threshold.

        14/19 is 73.68...%: against min-completeness 73.7 it reads "73.68%", not "73.7%".
        """
        if self.denominator == 0:
            return "n/a"
        exact = Fraction(100 * self.numerator, self.denominator)
        limit = Fraction(str(threshold))
        for decimals in range(1, 7):
            text = f"{float(exact):.{decimals}f}"
            shown = Fraction(text)
            if exact == limit or (shown != limit and (shown < limit) == (exact < limit)):
                return f"{text}%"
        return f"{float(exact):.6f}%"


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


def alignment(pairs: Iterable[Pair], scope: str) -> Alignment:
    """Aligned pairs / pairs in scope; out-of-view pairs are counted apart, never in the ratio."""
    reasons = [(p, p.not_counted(scope)) for p in pairs]
    counted = [p for p, why in reasons if why is None]
    aligned = sum(p.status == PairStatus.ALIGNED for p in counted)
    out_of_view = sum(why == "out-of-view" for _, why in reasons)
    return Alignment(Ratio(aligned, len(counted)), scope, out_of_view)


@dataclass(slots=True)
class _Tally:
    """The pairs of one group: in the alignment denominator, aligned among those, out of view."""

    counted: int = 0
    aligned: int = 0
    out_of_view: int = 0

    def alignment(self, scope: str) -> Alignment:
        return Alignment(Ratio(self.aligned, self.counted), scope, self.out_of_view)


def compute_metrics(
    services: Iterable[Service], pairs: Iterable[Pair], scope: str, gated: Collection[str] | None = None
) -> Metrics:
    """Both metrics overall, per BU (valid owner, else "(unowned)") and per service.

    A pair counts for the BU and the service of its caller and of its callee (once when
    both are the same); with `gated` (the services checked beside a context), only for
    the sides among them.
    """
    services = list(services)
    operations = [op for service in services for op in service.external]
    by_bu_ops: dict[str, list[Operation]] = {}
    for op in operations:
        by_bu_ops.setdefault(op.bu or UNOWNED, []).append(op)
    by_service_ops: dict[str, list[Operation]] = {}
    for service in services:
        by_service_ops.setdefault(service.id, []).extend(service.external)
    # Each pair judged once and tallied for its groups: what `alignment` would count on each
    # group's list of pairs, without making the lists.
    overall = _Tally()
    by_bu_pairs: defaultdict[str, _Tally] = defaultdict(_Tally)
    by_service_pairs: defaultdict[str, _Tally] = defaultdict(_Tally)
    for pair in pairs:
        reason = pair.not_counted(scope)
        # Each group is listed even when the pair counts in none (internal, same BU).
        tallies = [overall]
        tallies.extend([by_bu_pairs[bu] for bu in pair.groups("bu", gated)])
        tallies.extend([by_service_pairs[name] for name in pair.groups("service", gated)])
        if reason is None:
            aligned = pair.status == PairStatus.ALIGNED
            for tally in tallies:
                tally.counted += 1
                tally.aligned += aligned
        elif reason == "out-of-view":
            for tally in tallies:
                tally.out_of_view += 1

    def groups(ops: dict[str, list[Operation]], tallies: dict[str, _Tally]) -> dict[str, GroupMetrics]:
        return {
            name: GroupMetrics(completeness(ops.get(name, [])), tallies.get(name, _Tally()).alignment(scope))
            for name in sorted(set(ops) | set(tallies))
        }

    return Metrics(
        overall=GroupMetrics(completeness(operations), overall.alignment(scope)),
        by_bu=groups(by_bu_ops, by_bu_pairs),
        by_service=groups(by_service_ops, by_service_pairs),
    )
