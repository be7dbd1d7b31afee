"""The observed side of `audit --prometheus`: each operation's p99 and each callee's beside the budget.

Built from observe's Observation (one query per service, made once for the whole audit): the
operation's observed p99 against its valid x-slo-p99, the callee's observed p99 against the
caller's budget (budget-breached as `observe` judges it), and the BU's SLO conformance as
`observe` computes it (met ÷ external operations with a valid x-slo-p99 and data).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from contract_gate.config.settings import Config
from contract_gate.estate.alignment import Pair
from contract_gate.extensions.values import format_millis
from contract_gate.observe.judge import Observation, budget_ms, conformance
from contract_gate.outputs.report_model import RatioModel, ratio_model
from contract_gate.spec.model import Operation

# met/breached: observed against a valid x-slo-p99; no-slo: observed, nothing declared to hold it
# to; no-data: asked, no requests in the window; not-queried: its service was not asked about.
ObservedStatus = Literal["met", "breached", "no-slo", "no-data", "not-queried"]
NO_DATA = "no requests in the window"
NOT_QUERIED = "not queried: its service has no valid x-slo-p99 and no callee with a budget"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObservedP99Model(_Model):
    """The operation's observed p99 (audit --prometheus) against its valid x-slo-p99.

    `p99_ms` is null when there is nothing observed, and `why` says why (no requests in the
    window, or its service was not queried). `meets_slo` is null without data or without a valid
    x-slo-p99 (`declared`).
    """

    p99_ms: float | None
    p99: str | None
    declared: str | None
    meets_slo: bool | None
    status: ObservedStatus
    why: str | None


class PairObservedModel(_Model):
    """The callee's observed p99 next to the caller's budget.

    `budget_breached` is null when the pair is not judged: no valid budget of a resolved
    synchronous call, or no data for the callee.
    """

    callee_p99_ms: float | None
    callee_p99: str | None
    budget_breached: bool | None


class AuditObservationModel(_Model):
    """Where and when the p99 was measured, and SLO conformance.

    `conformance` is the BU's, `by_service` that of the BU's operations in each service,
    `overall` the estate's; a percent is null (n/a) when there is nothing to count.
    """

    server: str
    window: str
    at: str
    conformance: RatioModel
    overall: RatioModel
    by_service: dict[str, RatioModel]


class ObservedView:
    """Looks an audit's operations and pairs up in one Observation."""

    def __init__(self, observation: Observation, config: Config) -> None:
        self.observation = observation
        self.config = config

    def operation(self, op: Operation) -> ObservedP99Model:
        """The operation's observed p99 and whether it meets its valid x-slo-p99."""
        measured = self.observation.measured.get((op.service, op.key))
        declared = str(op.slo.value) if op.slo is not None and op.slo_ms is not None else None
        meets = None if measured is None or op.slo_ms is None else measured <= op.slo_ms
        status: ObservedStatus
        if measured is None:
            status = "no-data" if op.service in self.observation.queried else "not-queried"
        elif meets is None:
            status = "no-slo"
        else:
            status = "met" if meets else "breached"
        return ObservedP99Model(
            p99_ms=measured,
            p99=millis_text(measured),
            declared=declared,
            meets_slo=meets,
            status=status,
            why={"no-data": NO_DATA, "not-queried": NOT_QUERIED}.get(status),
        )

    def pair(self, pair: Pair) -> PairObservedModel:
        """The callee's observed p99, and whether it is above the caller's valid budget."""
        measured = self.observation.measured.get((pair.callee.service, pair.callee.operation))
        budget = budget_ms(pair, self.config)
        breached = None if measured is None or budget is None else measured > budget
        return PairObservedModel(
            callee_p99_ms=measured, callee_p99=millis_text(measured), budget_breached=breached
        )

    def summary(self, bu: str) -> AuditObservationModel:
        """Server, window, time, and the conformance of the BU, of its services and of the estate."""
        observation = self.observation
        mine = conformance([row for row in observation.operations if row.bu == bu])
        return AuditObservationModel(
            server=observation.server,
            window=observation.window,
            at=datetime.fromtimestamp(observation.at, UTC).isoformat().replace("+00:00", "Z"),
            conformance=ratio_model(mine.overall),
            overall=ratio_model(observation.conformance.overall),
            by_service={name: ratio_model(ratio) for name, ratio in mine.by_service.items()},
        )


def millis_text(value: float | None) -> str | None:
    """`437.5ms`, `1.75s`; None for None."""
    return None if value is None else format_millis(round(value, 3))


def observed_text(observed: ObservedP99Model) -> str:
    """`437.5ms (breached)`, `75ms (met)`, `1.75s (no valid SLO)`, `no data`, `not queried`."""
    if observed.p99 is None:
        return observed.status.replace("-", " ")
    if observed.status == "no-slo":
        return f"{observed.p99} (no valid SLO)"
    return f"{observed.p99} ({observed.status})"


def pair_observed_text(observed: PairObservedModel) -> str:
    """`1.75s, budget breached`, `75ms`, or `no data`."""
    if observed.callee_p99 is None:
        return "no data"
    return observed.callee_p99 + (", budget breached" if observed.budget_breached else "")


def conformance_text(ratio: RatioModel) -> str:
    """`60.0% (3/5 operations meet their SLO)`, or n/a when no operation has an SLO and data."""
    if ratio.percent is None:
        return "n/a (no operation with an SLO and data)"
    return f"{ratio.percent:.1f}% ({ratio.numerator}/{ratio.denominator} operations meet their SLO)"


def measured_text(observed: AuditObservationModel) -> str:
    """`observed p99 over 1h until 2024-06-01T02:00:00Z (http://prometheus:9090)`."""
    return f"observed p99 over {observed.window} until {observed.at} ({observed.server})"
