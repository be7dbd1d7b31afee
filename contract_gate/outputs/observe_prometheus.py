"""`observe --format prometheus`: declared and observed p99 and the SLO conformance as gauges.

Same conventions as `score --format prometheus` (`docs/publishing.md`): seconds and ratios (0-1),
bu and service labels both empty for the whole estate, no ratio sample where it is n/a.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from contract_gate.estate.metrics import Ratio
from contract_gate.observe.judge import Observation
from contract_gate.outputs.prometheus import PREFIX

_OPERATION = ["service", "operation", "bu"]
_GROUP = ["bu", "service"]


def render(observation: Observation) -> str:
    """The gauges in the Prometheus text format."""
    target = CollectorRegistry(auto_describe=True)
    declared = Gauge(
        f"{PREFIX}declared_p99_seconds",
        "The x-slo-p99 an operation declares, in seconds.",
        _OPERATION,
        registry=target,
    )
    observed = Gauge(
        f"{PREFIX}observed_p99_seconds",
        "The p99 latency Prometheus measured over the observe window, in seconds; no sample without data.",
        _OPERATION,
        registry=target,
    )
    for row in observation.operations:
        labels = {"service": row.service, "operation": row.operation, "bu": row.bu}
        declared.labels(**labels).set(row.declared_ms / 1000)
        if row.observed_ms is not None:
            observed.labels(**labels).set(row.observed_ms / 1000)
    note = (
        " Labels: bu and service both empty for the whole estate, bu set for a BU, service set for a service."
    )
    ratio = Gauge(
        f"{PREFIX}slo_conformance_ratio",
        "External operations whose observed p99 meets their x-slo-p99 / those with an SLO and data." + note,
        _GROUP,
        registry=target,
    )
    meeting = Gauge(
        f"{PREFIX}slo_conforming_operations",
        "External operations whose observed p99 meets their x-slo-p99." + note,
        _GROUP,
        registry=target,
    )
    with_data = Gauge(
        f"{PREFIX}slo_observed_operations",
        "External operations with a valid x-slo-p99 and observed data." + note,
        _GROUP,
        registry=target,
    )
    conformance = observation.conformance
    groups: list[tuple[dict[str, str], Ratio]] = [({"bu": "", "service": ""}, conformance.overall)]
    groups += [({"bu": bu, "service": ""}, r) for bu, r in conformance.by_bu.items()]
    groups += [({"bu": "", "service": service}, r) for service, r in conformance.by_service.items()]
    for labels, value in groups:
        meeting.labels(**labels).set(value.numerator)
        with_data.labels(**labels).set(value.denominator)
        if value.denominator:
            ratio.labels(**labels).set(value.numerator / value.denominator)
    passed = Gauge(
        f"{PREFIX}observe_passed", "1 when observe found nothing at or above fail-on.", registry=target
    )
    passed.set(1 if observation.passed else 0)
    return generate_latest(target).decode("utf-8")
