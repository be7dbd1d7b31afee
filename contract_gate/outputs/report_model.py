"""The JSON report (SPEC §10): pydantic models, its schema, and building it from a Report.

`formatters/json_report.py` writes the same JSON from plain dicts; tests hold the two equal.
"""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from contract_gate import __version__
from contract_gate.engine.run import BaselineInfo, DiffInfo, GroupDelta, Report
from contract_gate.estate.alignment import Pair
from contract_gate.estate.metrics import Alignment, GroupMetrics, Metrics, Ratio
from contract_gate.findings import Finding
from contract_gate.history.baseline_model import BaselineEntryModel
from contract_gate.outputs.schema_versions import REPORT_SCHEMA_VERSION
from contract_gate.spec.model import Operation, Service, Sourced


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RatioModel(_Model):
    """A percentage with the counts behind it; percent is null (n/a) when denominator is 0."""

    percent: float | None
    numerator: int
    denominator: int


class AlignmentModel(RatioModel):
    """SLO alignment: aligned / in-scope pairs; out-of-view pairs are listed, not counted."""

    scope: Literal["cross-bu", "all"]
    out_of_view: int


class GroupModel(_Model):
    """Both metrics for one group."""

    completeness: RatioModel
    alignment: AlignmentModel


class MetricsModel(_Model):
    """Overall metrics, and the same per BU and per service."""

    completeness: RatioModel
    alignment: AlignmentModel
    by_bu: dict[str, GroupModel]
    by_service: dict[str, GroupModel]


class OperationRef(_Model):
    """One side of a call pair."""

    service: str
    operation: str


NotCounted = Literal["internal", "out-of-view", "same-bu"]


class PairModel(_Model):
    """A (caller, callee) pair and its alignment status.

    `counted` says whether the pair is in the alignment denominator of the configured scope;
    `not_counted` says why not: an internal operation on a side, out of view, or both sides
    in the same BU under the cross-bu scope.
    """

    caller: OperationRef
    callee: OperationRef
    status: Literal["aligned", "violated", "undeclared", "unresolved", "out-of-view"]
    budget: str | None
    commitment: str | None
    agreed: str | None
    cross_bu: bool
    mode: Literal["sync", "async"]
    counted: bool
    not_counted: NotCounted | None


class FindingModel(_Model):
    """One finding; file/line/column are null for estate-wide findings (thresholds)."""

    rule: str
    severity: Literal["error", "warning", "info"]
    file: str | None
    line: int | None = Field(ge=1)
    column: int | None = Field(ge=1)
    pointer: str
    service: str | None
    operation: str | None
    message: str
    fingerprint: str


Level = Literal["operation", "path-item", "info", "root"]


class SourcedModel(_Model):
    """An effective extension value, where it was written, and whether it is valid."""

    value: object
    level: Level
    file: str
    pointer: str
    valid: bool


class OperationModel(_Model):
    """One operation of a service as the metrics see it."""

    key: str
    operation_id: str | None
    file: str
    pointer: str
    internal: bool
    owner: SourcedModel | None
    slo: SourcedModel | None
    documented: bool


class ServiceModel(_Model):
    """One spec seen as a service."""

    id: str
    title: str | None
    file: str
    spec_version: str
    operations: list[OperationModel]


class ToolModel(_Model):
    """Who wrote the report."""

    name: Literal["contract-gate"]
    version: str


class SummaryModel(_Model):
    """Counts for dashboards."""

    files: int
    services: int
    operations: int
    external_operations: int
    findings: dict[Literal["error", "warning", "info"], int]


class BaselineSectionModel(_Model):
    """With `check --baseline FILE`: how many findings it hid, and its entries that no longer occur."""

    file: str
    hidden: int
    stale: list[BaselineEntryModel]


class GroupDeltaModel(_Model):
    """Change of a group's metrics against the base, in percentage points; null when n/a on a side."""

    completeness: float | None
    alignment: float | None


class DeltaModel(GroupDeltaModel):
    """The deltas overall, per BU and per service (groups of either side)."""

    by_bu: dict[str, GroupDeltaModel]
    by_service: dict[str, GroupDeltaModel]


class DiffModel(_Model):
    """With `check --base REV`: the base, its metrics, the deltas, and the findings it already had.

    `findings` of the report are the new ones (and the contract changes); those that
    already occurred at the base are in `pre_existing` and never fail the gate.
    """

    base: str
    commit: str
    metrics: MetricsModel
    delta: DeltaModel
    new: int
    pre_existing: list[FindingModel]
    fixed: int


def _absent(value: object) -> bool:
    return value is None


class JudgedValueModel(_Model):
    """One policy key as the gate applied it, and where the value came from."""

    key: str = Field(description="`min-completeness`, `fail-on`, `rules.owner-missing`, …")
    value: str
    source: Literal["default", "config", "flags", "base", "policy"] = Field(
        description="default; config: the repository's config file; flags: the command line;"
        " base: the config at the base revision (the change loosened it); policy: --policy"
    )
    where: str = Field(description="The file (`REV:path` for the base), `the command line`, or empty.")


class ContextSourceModel(_Model):
    """A contract snapshot the run took as context (`--context`): its services resolved calls, ungated."""

    file: str
    repository: str | None = Field(description="The git remote it was exported from, or its --source.")
    commit: str | None
    time: str = Field(description="When it was exported (UTC, ISO 8601).")
    services: int


class ReportModel(_Model):
    """The JSON report of `check` and `score`."""

    schema_version: Literal[1]
    tool: ToolModel
    passed: bool
    metrics: MetricsModel
    pairs: list[PairModel]
    findings: list[FindingModel]
    summary: SummaryModel
    services: list[ServiceModel]
    baseline: BaselineSectionModel | None = Field(default=None, exclude_if=_absent)
    diff: DiffModel | None = Field(default=None, exclude_if=_absent)
    incomplete: list[str] | None = Field(
        default=None,
        exclude_if=_absent,
        description="Specs whose check crashed before their operations were read: the metrics"
        " leave them out, so they are not the estate's (the run exits 2).",
    )
    judged_by: list[JudgedValueModel] | None = Field(
        default=None,
        exclude_if=_absent,
        description="The thresholds, severities and other policy keys the gate applied, each with"
        " its source (the organisation's policy, the base revision, the flags, the config file).",
    )
    context: list[ContextSourceModel] | None = Field(
        default=None,
        exclude_if=_absent,
        description="The contract snapshots whose services resolved calls without being gated"
        " (SPEC §11); absent without --context.",
    )


def build_report_model(report: Report) -> ReportModel:
    """The JSON report for a run."""
    return _report_model(
        report, [finding_model(f) for f in report.findings], [_service(s) for s in report.services]
    )


def _report_model(report: Report, findings: list[FindingModel], services: list[ServiceModel]) -> ReportModel:
    severities = {"error": 0, "warning": 0, "info": 0}
    for finding in report.findings:
        severities[finding.severity.value] += 1
    operations = [op for service in report.services for op in service.operations]
    return ReportModel(
        schema_version=REPORT_SCHEMA_VERSION,
        tool=ToolModel(name="contract-gate", version=__version__),
        passed=report.passed,
        metrics=_metrics(report.metrics),
        pairs=[_pair(p, report.config.alignment_scope) for p in report.pairs],
        findings=findings,
        summary=SummaryModel(
            files=report.files_checked,
            services=len(report.services),
            operations=len(operations),
            external_operations=sum(not op.internal for op in operations),
            findings=severities,
        ),
        services=services,
        baseline=_baseline(report.baseline_info) if report.baseline_info is not None else None,
        diff=_diff(report.diff, report) if report.diff is not None else None,
        incomplete=report.incomplete or None,
        judged_by=[JudgedValueModel.model_validate(j.as_dict()) for j in report.judged_by] or None,
        context=[ContextSourceModel.model_validate(source.as_dict()) for source in report.context] or None,
    )


def _metrics(metrics: Metrics) -> MetricsModel:
    overall = group_model(metrics.overall)
    return MetricsModel(
        completeness=overall.completeness,
        alignment=overall.alignment,
        by_bu={k: group_model(v) for k, v in metrics.by_bu.items()},
        by_service={k: group_model(v) for k, v in metrics.by_service.items()},
    )


def finding_model(f: Finding) -> FindingModel:
    """A finding as the JSON report shows it."""
    # Built without validation (a large share of a warm run on big estates): a Finding is
    # made by contract-gate only, and tests check every report against the JSON schema.
    return FindingModel.model_construct(
        rule=f.rule,
        severity=f.severity.value,
        file=f.file,
        line=f.line,
        column=f.column,
        pointer=f.pointer,
        service=f.service,
        operation=f.operation,
        message=f.message,
        fingerprint=f.fingerprint,
    )


def _baseline(info: BaselineInfo) -> BaselineSectionModel:
    stale = [
        BaselineEntryModel(
            fingerprint=e.fingerprint, rule=e.rule, file=e.file, operation=e.operation, message=e.message
        )
        for e in info.stale
    ]
    return BaselineSectionModel(file=info.file, hidden=info.hidden, stale=stale)


def _delta(delta: GroupDelta) -> GroupDeltaModel:
    return GroupDeltaModel(completeness=delta.completeness, alignment=delta.alignment)


def _diff(diff: DiffInfo, report: Report) -> DiffModel:
    return DiffModel(
        base=diff.revision,
        commit=diff.commit,
        metrics=_metrics(diff.base_metrics),
        delta=DeltaModel(
            completeness=diff.overall.completeness,
            alignment=diff.overall.alignment,
            by_bu={k: _delta(v) for k, v in diff.by_bu.items()},
            by_service={k: _delta(v) for k, v in diff.by_service.items()},
        ),
        new=len(report.findings),
        pre_existing=[finding_model(f) for f in report.pre_existing],
        fixed=diff.fixed,
    )


def _pair(pair: Pair, scope: str) -> PairModel:
    reason = pair.not_counted(scope)
    return PairModel(
        caller=OperationRef(service=pair.caller.service, operation=pair.caller.operation),
        callee=OperationRef(service=pair.callee.service, operation=pair.callee.operation),
        status=pair.status,
        budget=pair.budget,
        commitment=pair.commitment,
        agreed=pair.agreed,
        cross_bu=pair.cross_bu,
        mode=pair.mode,
        counted=reason is None,
        not_counted=cast(NotCounted | None, reason),
    )


def ratio_model(ratio: Ratio) -> RatioModel:
    """A ratio with its percent (null when n/a)."""
    return RatioModel(percent=ratio.percent, numerator=ratio.numerator, denominator=ratio.denominator)


def _alignment(alignment: Alignment) -> AlignmentModel:
    r = alignment.ratio
    return AlignmentModel(
        percent=r.percent,
        numerator=r.numerator,
        denominator=r.denominator,
        scope=alignment.scope,
        out_of_view=alignment.out_of_view,
    )


def group_model(group: GroupMetrics) -> GroupModel:
    """Both metrics of one group."""
    return GroupModel(completeness=ratio_model(group.completeness), alignment=_alignment(group.alignment))


def sourced_model(value: Sourced | None, valid: bool) -> SourcedModel | None:
    """An effective extension value and where it is written; None when absent."""
    if value is None:
        return None
    return SourcedModel.model_construct(  # unvalidated, as in finding_model
        value=value.value,
        level=cast(Level, value.level),
        file=value.file,
        pointer=value.pointer,
        valid=valid,
    )


def _operation(op: Operation) -> OperationModel:
    return OperationModel.model_construct(  # unvalidated, as in finding_model
        key=op.key,
        operation_id=op.operation_id,
        file=op.file,
        pointer=op.pointer,
        internal=op.internal,
        owner=sourced_model(op.owner, op.owner_verdict.valid),
        slo=sourced_model(op.slo, op.slo_verdict.valid),
        documented=op.documented,
    )


def _service(service: Service) -> ServiceModel:
    return ServiceModel(
        id=service.id,
        title=service.title,
        file=service.file,
        spec_version=service.spec_version,
        operations=[_operation(op) for op in service.operations],
    )
