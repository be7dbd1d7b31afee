"""The metrics as Prometheus gauges: a registry per report, its text exposition, a Pushgateway push.

Values are ratios (0-1), Prometheus' base unit, not percentages. A ratio whose
denominator is 0 (n/a) has no sample at all; its counts are still there.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, Gauge, generate_latest, push_to_gateway

from contract_gate import __version__
from contract_gate.engine.run import Report
from contract_gate.estate.alignment import UNOWNED, PairStatus
from contract_gate.estate.metrics import GroupMetrics
from contract_gate.spec.model import Operation

PREFIX = "contract_gate_"
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_GROUP = ("bu", "service")
_GROUP_NOTE = (
    " Labels: bu and service both empty for the whole estate, bu set for a BU, service set for a service."
)


class PushError(Exception):
    """The Pushgateway could not be reached or refused the metrics; the message names the URL."""


def registry(report: Report) -> CollectorRegistry:
    """Every gauge of this report in a registry of its own (never the global one)."""
    target = CollectorRegistry(auto_describe=True)
    _group_gauges(report, target)
    findings = Gauge(
        f"{PREFIX}findings",
        "Findings the gate judges, by rule and severity; service is the finding's service and bu the"
        " owner of its operation ((unowned) without a valid owner), both empty when it has none.",
        ["rule", "severity", "bu", "service"],
        registry=target,
    )
    for (rule, severity, bu, service), count in sorted(_finding_counts(report).items()):
        findings.labels(rule=rule, severity=severity, bu=bu, service=service).set(count)
    pairs = Gauge(
        f"{PREFIX}pairs",
        "Call pairs by status, all of them (internal and out-of-scope ones included).",
        ["status"],
        registry=target,
    )
    by_status = Counter(pair.status for pair in report.pairs)
    for status in PairStatus:
        pairs.labels(status=status.value).set(by_status[status])
    config = report.config
    _single(
        target,
        "min_completeness_ratio",
        "Gate threshold min-completeness, as a ratio (0-1).",
        config.min_completeness / 100,
    )
    _single(
        target,
        "min_alignment_ratio",
        "Gate threshold min-alignment, as a ratio (0-1).",
        config.min_alignment / 100,
    )
    _single(target, "gate_passed", "1 when the gate passed, 0 when it failed.", 1 if report.passed else 0)
    info = Gauge(f"{PREFIX}build_info", "The contract-gate version; always 1.", ["version"], registry=target)
    info.labels(version=__version__).set(1)
    return target


def exposition(report: Report) -> str:
    """The report's gauges in the Prometheus text format (what `--textfile` writes)."""
    return generate_latest(registry(report)).decode("utf-8")


def render(report: Report, by: str) -> str:
    """`score --format prometheus`: every grouping at once, whatever `--by` says."""
    del by
    return exposition(report)


def grouping_key(values: Iterable[str]) -> dict[str, str]:
    """`["repo=shop", "branch=main"]` -> a grouping key; ValueError says what is wrong."""
    key: dict[str, str] = {}
    for value in values:
        name, equals, label_value = value.partition("=")
        if not equals or not _LABEL_NAME.match(name):
            raise ValueError(f"{value!r}: write KEY=VALUE with KEY a Prometheus label name")
        if name == "job":
            raise ValueError("the job is set with --job, not --grouping")
        key[name] = label_value
    return key


def push(report: Report, url: str, job: str, grouping: dict[str, str], timeout: float = 10.0) -> None:
    """PUT the gauges to a Pushgateway, replacing the group (job + grouping key)."""
    # Like prometheus_client, take "host:port" as http://host:port.
    full = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(full)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or IPv6 address
        usable = False
    if not usable:
        raise PushError(f"{url}: not a Pushgateway URL; write it like http://pushgateway:9091")
    try:
        push_to_gateway(full, job, registry(report), grouping_key=grouping, timeout=timeout)
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace").strip().splitlines()
        detail = f" ({body[0][:300]})" if body else ""
        raise PushError(f"Pushgateway {url} answered HTTP {error.code} {error.reason}{detail}") from None
    except urllib.error.URLError as error:
        raise PushError(f"cannot push to Pushgateway {url}: {error.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise PushError(f"cannot push to Pushgateway {url}: {error or type(error).__name__}") from None


def _group_gauges(report: Report, target: CollectorRegistry) -> None:
    def gauge(name: str, doc: str) -> Gauge:
        return Gauge(f"{PREFIX}{name}", doc + _GROUP_NOTE, _GROUP, registry=target)

    completeness = gauge(
        "completeness_ratio",
        "Documentation completeness as a ratio (0-1): external operations with a valid x-bu-owner and a"
        " valid x-slo-p99 / all external operations. No sample when there is no external operation (n/a).",
    )
    documented = gauge("documented_operations", "External operations with a valid owner and SLO.")
    external = gauge("external_operations", "External operations (the completeness denominator).")
    alignment = gauge(
        "alignment_ratio",
        "SLO alignment as a ratio (0-1): aligned pairs / pairs in scope (alignment-scope), out-of-view"
        " pairs left out. No sample when no pair is in scope (n/a).",
    )
    aligned = gauge("aligned_pairs", "Aligned pairs in the alignment scope.")
    scoped = gauge(
        "scoped_pairs", "Pairs in the alignment scope, out-of-view ones excepted (the denominator)."
    )
    out_of_view = gauge("out_of_view_pairs", "Out-of-view pairs in the alignment scope (not in the ratio).")
    metrics = report.metrics
    groups: list[tuple[str, str, GroupMetrics]] = [
        ("", "", metrics.overall),
        *((bu, "", group) for bu, group in metrics.by_bu.items()),
        *(("", service, group) for service, group in metrics.by_service.items()),
    ]
    for bu, service, group in groups:
        labels = {"bu": bu, "service": service}
        done, total = group.completeness.numerator, group.completeness.denominator
        ratio = group.alignment.ratio
        if total:
            completeness.labels(**labels).set(done / total)
        documented.labels(**labels).set(done)
        external.labels(**labels).set(total)
        if ratio.denominator:
            alignment.labels(**labels).set(ratio.numerator / ratio.denominator)
        aligned.labels(**labels).set(ratio.numerator)
        scoped.labels(**labels).set(ratio.denominator)
        out_of_view.labels(**labels).set(group.alignment.out_of_view)


def _finding_counts(report: Report) -> Counter[tuple[str, str, str, str]]:
    operations: dict[tuple[str, str], Operation] = {}
    for service in report.services:
        for op in service.operations:
            operations.setdefault((service.id, op.key), op)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for finding in report.findings:
        bu = ""
        if finding.operation is not None:
            owner = operations.get((finding.service or "", finding.operation))
            bu = (owner.bu if owner is not None else None) or UNOWNED
        counts[(finding.rule, finding.severity.value, bu, finding.service or "")] += 1
    return counts


def _single(target: CollectorRegistry, name: str, doc: str, value: float) -> None:
    Gauge(f"{PREFIX}{name}", doc, registry=target).set(value)
