"""The PromQL of `observe`: one p99 query per service, its series mapped back to operations.

The histogram and its labels are those `prometheus-rules` alerts on (config `prometheus` table):
one query per service, grouped by method and route (and by the operationId label when the table
names one), instead of one per operation.
"""

from __future__ import annotations

import json
import math

from contract_gate.config.settings import PrometheusConfig
from contract_gate.observe.client import Sample
from contract_gate.spec.model import Operation, Service, template


def service_query(service: str, settings: PrometheusConfig, window: str) -> str:
    """`histogram_quantile(0.99, sum by (le, method, route) (rate(<histogram>_bucket{…}[window])))`."""
    matchers = {settings.service_label: service, **settings.selectors}
    selector = ",".join(f"{name}={promql_string(value)}" for name, value in matchers.items())
    return (
        f"histogram_quantile(0.99, sum by ({', '.join(grouping(settings))})"
        f" (rate({settings.histogram}_bucket{{{selector}}}[{window}])))"
    )


def grouping(settings: PrometheusConfig) -> list[str]:
    """The labels the buckets are summed by: le, method, route and the operationId label if any."""
    labels = ["le", settings.method_label, settings.route_label]
    if settings.operation_id_label is not None:
        labels.append(settings.operation_id_label)
    return labels


def observed_ms(samples: list[Sample], service: Service, settings: PrometheusConfig) -> dict[str, float]:
    """Observed p99 in milliseconds by operation key; operations without data are left out.

    A series matches an operation by method and path template (`{id}` matches `{cartId}`), or by
    operationId when the table names an operationId label and the operation has one. NaN (no
    requests in the window) is no data. Two series of one operation: the slower one counts.
    """
    by_route: dict[tuple[str, str], float] = {}
    by_id: dict[str, float] = {}
    scale = 1000.0 if settings.histogram_unit == "seconds" else 1.0
    for labels, value in samples:
        if math.isnan(value):
            continue
        millis = round(value * scale, 6)  # float noise below a nanosecond must not breach an SLO
        route = (
            labels.get(settings.method_label, "").upper(),
            template(labels.get(settings.route_label, "")),
        )
        by_route[route] = max(by_route.get(route, millis), millis)
        if settings.operation_id_label is not None and labels.get(settings.operation_id_label):
            key = labels[settings.operation_id_label]
            by_id[key] = max(by_id.get(key, millis), millis)
    found: dict[str, float] = {}
    for op in service.operations:
        matched = _match(op, by_route, by_id, settings)
        if matched is not None:
            found[op.key] = matched
    return found


def series_of(op: Operation, settings: PrometheusConfig) -> str:
    """The label matchers that select one operation's series, as a message shows them."""
    return operation_selector(op, settings, ", ")


def operation_selector(op: Operation, settings: PrometheusConfig, separator: str = ",") -> str:
    """`job="order-service",http_request_method="GET",…`: one operation's series (selectors too).

    By operationId when the mapping names its label and the operation has one, else by method
    and route (the path template as written).
    """
    matchers = {settings.service_label: op.service}
    if settings.operation_id_label is not None and op.operation_id is not None:
        matchers[settings.operation_id_label] = op.operation_id
    else:
        matchers[settings.method_label] = op.method.upper()
        matchers[settings.route_label] = op.path
    return separator.join(
        f"{name}={promql_string(value)}" for name, value in {**matchers, **settings.selectors}.items()
    )


def _match(
    op: Operation, by_route: dict[tuple[str, str], float], by_id: dict[str, float], settings: PrometheusConfig
) -> float | None:
    if settings.operation_id_label is not None and op.operation_id is not None:
        return by_id.get(op.operation_id)
    return by_route.get((op.method.upper(), template(op.path)))


def promql_string(value: str) -> str:
    """`value` as a PromQL string literal."""
    # A JSON string is a valid PromQL string: PromQL takes Go's escapes, a superset of JSON's.
    return json.dumps(value, ensure_ascii=False)
