"""`contract-gate audit`: every operation a BU owns, with its values, pairs and findings.

The audit is one pydantic model built from a Report (nothing runs twice); the JSON output is
that model, and the table, Markdown, CSV and HTML formatters read it. Its rows are exactly the
operations `metrics.by_bu[BU]` counts: external operations whose effective *valid* owner is the
BU (`(unowned)`: no valid owner), plus, on request, the BU's internal operations (not counted).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict

from contract_gate import __version__
from contract_gate.engine.run import Report
from contract_gate.estate.alignment import UNOWNED, Pair, PairStatus
from contract_gate.estate.metrics import Alignment, GroupMetrics, Ratio, alignment, completeness
from contract_gate.estate.pairs import Side
from contract_gate.estate.rules import (
    CALL_NOT_DECLARED,
    CALL_OUT_OF_VIEW,
    CALL_UNRESOLVED,
    CONSUMER_NOT_LISTED,
    SLO_AGREEMENT_MISMATCH,
    SLO_MISALIGNED,
)
from contract_gate.extensions.rules import OWNER_INVALID, OWNER_UNKNOWN_BU, SLO_INVALID
from contract_gate.findings import Finding
from contract_gate.load import pointer as jp
from contract_gate.observe.judge import Observation
from contract_gate.outputs.audit_observed import (
    AuditObservationModel,
    ObservedP99Model,
    ObservedView,
    PairObservedModel,
)
from contract_gate.outputs.report_model import (
    FindingModel,
    GroupModel,
    NotCounted,
    RatioModel,
    SourcedModel,
    ToolModel,
    finding_model,
    group_model,
    sourced_model,
)
from contract_gate.outputs.schema_versions import AUDIT_SCHEMA_VERSION
from contract_gate.rules import Rule
from contract_gate.spec.checks import call_invalid, owner_missing, slo_missing
from contract_gate.spec.model import HTTP_METHODS, Operation

# The published audit schema spells the statuses out; tests hold them equal to PairStatus.
Status = Literal["aligned", "violated", "undeclared", "unresolved", "out-of-view"]
NOT_COUNTED_TEXT: dict[str, str] = {
    "internal": "internal operation on a side",
    "out-of-view": "out of view",
    "same-bu": "same BU (cross-bu scope)",
}
# The ids of the rules an operation's own values can break; a test holds them registered.
Problem = Literal["owner-missing", "owner-invalid", "owner-unknown-bu", "slo-missing", "slo-invalid"]
_STATE: dict[str, str] = {
    owner_missing.RULE.id: "owner missing",
    OWNER_INVALID.id: "owner invalid",
    OWNER_UNKNOWN_BU.id: "owner not in the BU registry",
    slo_missing.RULE.id: "SLO missing",
    SLO_INVALID.id: "SLO invalid",
}
# The rules whose finding at a pair's x-calls/x-consumers entry says why the pair is not aligned.
_STATUS_RULES = frozenset(
    rule.id
    for rule in (
        CALL_NOT_DECLARED,
        CONSUMER_NOT_LISTED,
        call_invalid.RULE,
        SLO_MISALIGNED,
        SLO_AGREEMENT_MISMATCH,
        CALL_UNRESOLVED,
        CALL_OUT_OF_VIEW,
    )
)
# When the finding that explains a status is turned off in the config.
_STATUS_TEXT: dict[str, str] = {
    PairStatus.VIOLATED: "the callee's p99 is above the budget, or the agreed value differs from it",
    PairStatus.UNDECLARED: "the budget, the callee's p99 or the agreed value is missing or invalid",
    PairStatus.UNRESOLVED: "the callee has no such operation",
    PairStatus.OUT_OF_VIEW: "the other service is not among the loaded specs",
}
# Against a threshold: at or above it, below it, or nothing to count (which never fails the gate).
Outcome = Literal["pass", "fail", "n/a"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditPairModel(_Model):
    """A pair seen from the audited operation: the other side, its status and the three durations.

    `counted` says whether the pair is in the alignment denominator of the configured scope;
    `not_counted` says why not: an internal operation on a side, out of view, or both sides
    in the same BU under the cross-bu scope. `reason` says why a pair is not aligned: the
    messages of the findings that explain it (rule id in brackets) and, for an undeclared pair,
    what is wrong with the callee's p99; null for an aligned pair.
    """

    direction: Literal["inbound", "outbound"]
    service: str
    operation: str
    bu: str | None
    status: Status
    budget: str | None
    commitment: str | None
    agreed: str | None
    mode: Literal["sync", "async"]
    cross_bu: bool
    counted: bool
    not_counted: NotCounted | None
    reason: str | None
    observed: PairObservedModel | None = None


class AuditOperationModel(_Model):
    """One operation of the BU: where its owner and SLO come from, its state, pairs and findings.

    `state` is "documented" or what is wrong ("owner invalid; SLO missing"), as `problems` lists
    by rule id. Internal operations (only with --include-internal) have `counted` false.
    """

    service: str
    operation: str
    operation_id: str | None
    file: str
    pointer: str
    internal: bool
    counted: bool
    owner: SourcedModel | None
    slo: SourcedModel | None
    documented: bool
    state: str
    problems: list[Problem]
    inbound: list[AuditPairModel]
    outbound: list[AuditPairModel]
    findings: list[FindingModel]
    observed: ObservedP99Model | None = None


class ThresholdModel(_Model):
    """One threshold of the gate (from the config) and whether the BU's and the estate's numbers meet it.

    "pass" at or above it, "fail" below it, compared on the exact counts as the gate does; "n/a"
    when there is nothing to count, which never fails. The gate judges the overall number only.
    """

    key: Literal["min-completeness", "min-alignment"]
    threshold: float
    bu: Outcome
    overall: Outcome


class GateModel(_Model):
    """The estate's metrics, which the gate judges, and its two thresholds."""

    overall: GroupModel
    completeness: ThresholdModel
    alignment: ThresholdModel


class AuditModel(_Model):
    """The owner's report of `contract-gate audit --bu BU`.

    `metrics` are the BU's as in the JSON report's `metrics.by_bu`; `gate` holds them and the
    estate's metrics to the thresholds; `by_service` has, for each service holding the BU's
    operations, the completeness of those operations and the alignment of the pairs touching
    them. `known_bus` lists the groups that own external operations. With --prometheus,
    `observed` (here, on each operation and on each pair) holds what the server measured;
    without it these fields are left out.
    """

    schema_version: Literal[1]
    tool: ToolModel
    bu: str
    scope: Literal["cross-bu", "all"]
    include_internal: bool
    known_bus: list[str]
    metrics: GroupModel
    gate: GateModel
    by_service: dict[str, GroupModel]
    operations: list[AuditOperationModel]
    observed: AuditObservationModel | None = None


def build_audit(
    report: Report, bu: str, include_internal: bool = False, observation: Observation | None = None
) -> AuditModel:
    """The audit of one BU (or `(unowned)`) from a finished run, with what `observation` measured."""
    scope = report.config.alignment_scope
    ops = [
        op
        for service in report.services
        for op in service.operations
        if (op.bu or UNOWNED) == bu and (include_internal or not op.internal)
    ]
    by_service: dict[str, list[Operation]] = {}
    for op in ops:
        by_service.setdefault(op.service, []).append(op)
    group = report.metrics.by_bu.get(bu, GroupMetrics(Ratio(0, 0), Alignment(scope=scope)))
    links = Links(report)
    view = ObservedView(observation, report.config) if observation is not None else None
    return AuditModel(
        schema_version=AUDIT_SCHEMA_VERSION,
        tool=ToolModel(name="contract-gate", version=__version__),
        bu=bu,
        scope=scope,
        include_internal=include_internal,
        known_bus=known_bus(report),
        metrics=group_model(group),
        gate=_gate(report, group),
        by_service={
            name: group_model(
                GroupMetrics(completeness(members), alignment(_touching(report.pairs, members), scope))
            )
            for name, members in by_service.items()
        },
        operations=[_operation(op, links, scope, view) for op in ops],
        observed=view.summary(bu) if view is not None else None,
    )


def _gate(report: Report, group: GroupMetrics) -> GateModel:
    config, overall = report.config, report.metrics.overall
    return GateModel(
        overall=group_model(overall),
        completeness=ThresholdModel(
            key="min-completeness",
            threshold=config.min_completeness,
            bu=outcome(group.completeness, config.min_completeness),
            overall=outcome(overall.completeness, config.min_completeness),
        ),
        alignment=ThresholdModel(
            key="min-alignment",
            threshold=config.min_alignment,
            bu=outcome(group.alignment.ratio, config.min_alignment),
            overall=outcome(overall.alignment.ratio, config.min_alignment),
        ),
    )


def outcome(ratio: Ratio, threshold: float) -> Outcome:
    """A metric against its threshold, on the exact counts (n/a: nothing to count)."""
    if ratio.denominator == 0:
        return "n/a"
    return "fail" if ratio.below(threshold) else "pass"


def known_bus(report: Report) -> list[str]:
    """The groups owning external operations: valid BUs sorted, then `(unowned)` if any."""
    groups = {op.bu or UNOWNED for service in report.services for op in service.external}
    return sorted(groups - {UNOWNED}) + ([UNOWNED] if UNOWNED in groups else [])


def _touching(pairs: Iterable[Pair], ops: list[Operation]) -> list[Pair]:
    ids = {id(op) for op in ops}
    return [p for p in pairs if id(p.caller.op) in ids or id(p.callee.op) in ids]


class Links:
    """The pairs and findings of each operation, indexed in one pass over the report.

    Looking them up operation by operation would cost operations x findings: minutes for
    `(unowned)` on a large estate.
    """

    def __init__(self, report: Report) -> None:
        self.findings = report.findings
        # Side.op is the very Operation of report.services (built in the same run): identity is exact.
        self.inbound: dict[int, list[Pair]] = {}
        self.outbound: dict[int, list[Pair]] = {}
        for pair in report.pairs:
            self.inbound.setdefault(id(pair.callee.op), []).append(pair)
            self.outbound.setdefault(id(pair.caller.op), []).append(pair)
        # Positions in report.findings: by (service, operation), and by (file, pointer) for
        # findings without an operation.
        self._by_operation: dict[tuple[str | None, str], list[int]] = {}
        self._by_place: dict[tuple[str | None, str], list[int]] = {}
        # Every finding of a rule that explains a pair's status, by (file, pointer).
        self._status: dict[tuple[str | None, str], list[Finding]] = {}
        for index, finding in enumerate(report.findings):
            if finding.operation is not None:
                self._by_operation.setdefault((finding.service, finding.operation), []).append(index)
            else:
                self._by_place.setdefault((finding.file, finding.pointer), []).append(index)
            if finding.rule in _STATUS_RULES:
                self._status.setdefault((finding.file, finding.pointer), []).append(finding)

    def findings_of(self, op: Operation) -> list[Finding]:
        """The operation's own findings, and those without an operation where its owner/SLO is written.

        An invalid value inherited from `info` (or a path item) is reported once, where it is
        written, with no operation: it still belongs to every operation that uses it. The
        findings keep the report's order.
        """
        positions = set(self._by_operation.get((op.service, op.key), ()))
        for value in (op.owner, op.slo):
            if value is not None:
                positions.update(self._by_place.get((value.file, value.pointer), ()))
        return [self.findings[index] for index in sorted(positions)]

    def reason(self, pair: Pair) -> str | None:
        """Why the pair is not aligned; None when it is.

        The findings at its x-calls/x-consumers entries (or their x-slo-p99) that explain a
        status, and for an undeclared pair the callee's missing or invalid p99, which has its
        own finding at the callee. A generic sentence when the explaining rule is turned off.
        """
        if pair.status == PairStatus.ALIGNED:
            return None
        reasons = [
            f"{finding.message} ({finding.rule})"
            for file, entry in pair.entries
            for place in (entry, jp.child(entry, "x-slo-p99"))
            for finding in self._status.get((file, place), ())
        ]
        if pair.status == PairStatus.UNDECLARED:
            reasons += _callee_slo_problem(pair.callee.op)
        return "; ".join(dict.fromkeys(reasons)) or _STATUS_TEXT[pair.status]


def _callee_slo_problem(callee: Operation | None) -> list[str]:
    if callee is None or callee.slo_ms is not None:
        return []
    if callee.slo is None:
        return [f"{callee.service} {callee.key} has no x-slo-p99 ({slo_missing.RULE.id})"]
    return [f"the callee's {callee.slo_verdict.message} ({SLO_INVALID.id})"]


def _operation(op: Operation, links: Links, scope: str, view: ObservedView | None) -> AuditOperationModel:
    problems = _problems(op)
    return AuditOperationModel(
        service=op.service,
        operation=op.key,
        operation_id=op.operation_id,
        file=op.file,
        pointer=op.pointer,
        internal=op.internal,
        counted=not op.internal,
        owner=sourced_model(op.owner, op.owner_verdict.valid),
        slo=sourced_model(op.slo, op.slo_verdict.valid),
        documented=op.documented,
        state="; ".join(_STATE[p] for p in problems) or "documented",
        problems=problems,
        inbound=[_pair(p, p.caller, "inbound", scope, links, view) for p in links.inbound.get(id(op), [])],
        outbound=[_pair(p, p.callee, "outbound", scope, links, view) for p in links.outbound.get(id(op), [])],
        findings=[finding_model(f) for f in links.findings_of(op)],
        observed=view.operation(op) if view is not None else None,
    )


def _problems(op: Operation) -> list[Problem]:
    """The rules the operation's owner and SLO break (the audit's vocabulary is their ids)."""
    broken: list[Rule] = []
    if op.owner is None:
        broken.append(owner_missing.RULE)
    elif op.owner_verdict.rule is not None:
        broken.append(op.owner_verdict.rule)
    if op.slo is None:
        broken.append(slo_missing.RULE)
    elif op.slo_verdict.rule is not None:
        broken.append(op.slo_verdict.rule)
    return [cast(Problem, rule.id) for rule in broken]


def _pair(
    pair: Pair,
    other: Side,
    direction: Literal["inbound", "outbound"],
    scope: str,
    links: Links,
    view: ObservedView | None,
) -> AuditPairModel:
    not_counted = cast(NotCounted | None, pair.not_counted(scope))
    return AuditPairModel(
        direction=direction,
        service=other.service,
        operation=other.operation,
        bu=other.bu,
        status=pair.status,
        budget=pair.budget,
        commitment=pair.commitment,
        agreed=pair.agreed,
        mode=pair.mode,
        cross_bu=pair.cross_bu,
        counted=not_counted is None,
        not_counted=not_counted,
        reason=links.reason(pair),
        observed=view.pair(pair) if view is not None else None,
    )


# Without --prometheus the observed fields are left out: the JSON is the audit's as before.
_UNOBSERVED: Any = {
    "observed": True,
    "operations": {
        "__all__": {
            "observed": True,
            "inbound": {"__all__": {"observed"}},
            "outbound": {"__all__": {"observed"}},
        }
    },
}


def render_json(audit: AuditModel, terminal_width: int | None = None) -> str:
    """The audit as indented JSON."""
    del terminal_width  # the same on a terminal
    return audit.model_dump_json(indent=2, exclude=_UNOBSERVED if audit.observed is None else None) + "\n"


def audit_findings(audit: AuditModel) -> list[FindingModel]:
    """The findings of all rows, each once (an inherited invalid value belongs to several rows)."""
    seen: dict[str, FindingModel] = {}
    for op in audit.operations:
        for finding in op.findings:
            seen.setdefault(finding.fingerprint, finding)
    return list(seen.values())


def value_text(value: object) -> str:
    """An extension value as written: strings as they are, other YAML/JSON values as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


PLACE_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


def place_text(pointer: str) -> str:
    """A JSON pointer as people read it: `/paths/~1v1~1orders/post/x-slo-p99` is POST /v1/orders, x-slo-p99.

    Under `paths` the path is shown as written, the HTTP method upper-case before it; the other
    tokens are decoded, and the parts joined with PLACE_SEPARATOR (a right-pointing angle quote),
    so `/info/x-bu-owner` reads "info", the separator, "x-bu-owner". A number goes in brackets
    after the token before it (`x-calls[1]`, `responses[200]`). The empty pointer (the whole
    document) is `(document)`.
    """
    tokens = jp.split(pointer)
    if not tokens:
        return "(document)"
    if tokens[0] == "paths" and len(tokens) > 1:
        head, rest = tokens[1], tokens[2:]
        if rest and rest[0] in HTTP_METHODS:
            head, rest = f"{rest[0].upper()} {head}", rest[1:]
        tokens = [head, *rest]
    shown: list[str] = []
    for token in tokens:
        if token.isdigit() and shown:
            shown[-1] += f"[{token}]"  # a list item, or a numeric key such as a response code
        else:
            shown.append(token or '""')
    return PLACE_SEPARATOR.join(shown)


def status_counts(pairs: Iterable[AuditPairModel]) -> str:
    """`"aligned 1; violated 1"`, statuses in a fixed order; empty when there is no pair."""
    counted: Counter[str] = Counter(p.status for p in pairs)
    return "; ".join(f"{status} {counted[status]}" for status in PairStatus if counted[status])


def ratio_text(ratio: RatioModel, unit: str) -> str:
    """`"28.6% (2/7 pairs)"`, or `"n/a (no pairs)"` for an empty denominator."""
    if ratio.percent is None:
        return f"n/a (no {unit})"
    return f"{ratio.percent:.1f}% ({ratio.numerator}/{ratio.denominator} {unit})"


def threshold_text(check: ThresholdModel) -> str:
    """`"95%"`: the threshold as the config writes it."""
    return f"{check.threshold:g}%"


def alignment_text(group: GroupModel) -> str:
    """The alignment with its counts, and the out-of-view pairs left out, if any."""
    shown = ratio_text(group.alignment, "pairs")
    out = group.alignment.out_of_view
    return shown + (f", {out} out of view" if out else "")
