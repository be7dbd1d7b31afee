"""Services to snapshot JSON and back: what `export` writes and what a run reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from contract_gate.config.policy import Policy
from contract_gate.estate.anchors import calls_pointer
from contract_gate.extensions.values import VALID, Verdict, check_owner, check_slo
from contract_gate.findings import Finding, finding_data
from contract_gate.rules import Severity
from contract_gate.snapshot.kind import SNAPSHOT_KIND, SNAPSHOT_SCHEMA_VERSION
from contract_gate.spec.model import CallRef, Operation, Service, Sourced

if TYPE_CHECKING:
    # pydantic only when a snapshot is read: a run without snapshots never imports it.
    from contract_gate.snapshot.model import (
        EntryModel,
        OperationModel,
        ServiceModel,
        SnapshotModel,
        SourcedModel,
    )

Anchors = dict[tuple[str, str], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """A service with what its file check knew: where its id is, the places findings cite, its findings."""

    service: Service
    position: tuple[int, int] | None = None
    anchors: Anchors = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """Where a snapshot came from and when it was made."""

    repository: str | None
    commit: str | None
    time: datetime


def utc_text(time: datetime) -> str:
    """`2026-12-01T00:00:00Z`: a snapshot's time as it is written and reported."""
    return time.isoformat().replace("+00:00", "Z")


def dump(records: list[ServiceRecord], source: Source, generator: str) -> bytes:
    """The snapshot of `records` as JSON: its kind first (readers tell it by its head), a line per service.

    Compact, so that thousands of services stay small, and a line per service, so that a git
    repository of snapshots shows which service changed.
    """
    head = {
        "kind": SNAPSHOT_KIND,
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "generator": generator,
        "source": {
            "repository": source.repository,
            "commit": source.commit,
            "time": utc_text(source.time),
        },
    }
    services = b",\n".join(orjson.dumps(_service_data(record)) for record in records)
    opening = orjson.dumps(head)[:-1] + b',\n"services":[\n'
    return opening + services + (b"\n]}\n" if records else b"]}\n")


def _service_data(record: ServiceRecord) -> dict[str, Any]:
    service = record.service
    return {
        "id": service.id,
        "title": service.title,
        "file": service.file,
        "spec_version": service.spec_version,
        "id_pointer": service.id_pointer,
        "position": list(record.position) if record.position is not None else None,
        "base_paths": list(service.base_paths),
        "operations": [_operation_data(op, service.file, record.anchors) for op in service.operations],
        "findings": [finding_data(finding) for finding in record.findings],
    }


def _operation_data(op: Operation, service_file: str, anchors: Anchors) -> dict[str, Any]:
    data: dict[str, Any] = {"method": op.method, "path": op.path}
    if op.operation_id is not None:
        data["operation_id"] = op.operation_id
    if op.internal:
        data["internal"] = True
    if op.file != service_file:
        data["file"] = op.file
    data["pointer"] = op.pointer
    for name, sourced, verdict in (("owner", op.owner, op.owner_verdict), ("slo", op.slo, op.slo_verdict)):
        if sourced is not None:
            data[name] = _sourced_data(sourced, verdict, op.file)
    if op.calls:
        data["calls"] = [_entry_data(entry, index, anchors) for index, entry in enumerate(op.calls)]
        _put_position(data, "calls_at", anchors.get((op.file, calls_pointer(op))))
    if op.consumers:
        data["consumers"] = [_entry_data(entry, index, anchors) for index, entry in enumerate(op.consumers)]
    if op.entry_errors:
        data["entry_errors"] = [list(error) for error in op.entry_errors]
    return data


def _sourced_data(sourced: Sourced, verdict: Verdict, op_file: str) -> dict[str, Any]:
    data: dict[str, Any] = {"value": sourced.value, "level": sourced.level}
    if sourced.file != op_file:
        data["file"] = sourced.file
    data["pointer"] = sourced.pointer
    data["valid"] = verdict.valid
    return data


def _entry_data(entry: CallRef, position: int, anchors: Anchors) -> dict[str, Any]:
    data: dict[str, Any] = {"service": entry.service, "operation": entry.operation}
    if entry.budget is not None:
        data["budget"] = entry.budget
    if entry.mode != "sync":
        data["mode"] = entry.mode
    index = int(entry.pointer.rsplit("/", 1)[1])
    if index != position:
        data["index"] = index
    _put_position(data, "at", anchors.get((entry.file, entry.pointer)))
    _put_position(data, "budget_at", anchors.get((entry.file, entry.budget_pointer)))
    return data


def _put_position(data: dict[str, Any], key: str, position: tuple[int, int] | None) -> None:
    if position is not None:
        data[key] = list(position)


def records(snapshot: SnapshotModel, policy: Policy) -> tuple[Source, list[ServiceRecord]]:
    """The services of a validated snapshot, their owners and SLOs judged again under `policy`."""
    source = Source(snapshot.source.repository, snapshot.source.commit, snapshot.source.time)
    return source, [_record(service, policy) for service in snapshot.services]


def _record(model: ServiceModel, policy: Policy) -> ServiceRecord:
    anchors: Anchors = {}
    operations = tuple(_operation(model, op, policy, anchors) for op in model.operations)
    service = Service(
        model.id,
        model.title,
        model.file,
        model.id_pointer,
        model.spec_version,
        operations,
        tuple(model.base_paths),
    )
    findings = tuple(Finding(**{**dict(f), "severity": Severity(f.severity)}) for f in model.findings)
    position = (model.position[0], model.position[1]) if model.position is not None else None
    return ServiceRecord(service, position, anchors, findings)


def _operation(service: ServiceModel, model: OperationModel, policy: Policy, anchors: Anchors) -> Operation:
    file = model.file if model.file is not None else service.file
    owner, slo = _sourced(model.owner, file), _sourced(model.slo, file)
    # The pointers as jp.child writes them: "x-calls", "x-consumers" and indexes need no escaping.
    calls_list, consumers_list = f"{model.pointer}/x-calls", f"{model.pointer}/x-consumers"
    calls = tuple(_entry(entry, i, calls_list, file, anchors) for i, entry in enumerate(model.calls))
    consumers = tuple(
        _entry(entry, i, consumers_list, file, anchors) for i, entry in enumerate(model.consumers)
    )
    if model.calls_at is not None:
        anchors[(file, calls_list)] = model.calls_at
    return Operation(
        service=service.id,
        method=model.method,
        path=model.path,
        operation_id=model.operation_id,
        file=file,
        pointer=model.pointer,
        internal=model.internal,
        owner=owner,
        slo=slo,
        # Judged as build_service judges a spec's values, under the reading run's policy.
        owner_verdict=check_owner(owner.value, policy.bu_pattern, policy.bu_registry) if owner else VALID,
        slo_verdict=check_slo(slo.value, policy.max_slo_ms) if slo else VALID,
        calls=calls,
        consumers=consumers,
        entry_errors=tuple(model.entry_errors),
    )


def _sourced(model: SourcedModel | None, op_file: str) -> Sourced | None:
    if model is None:
        return None
    return Sourced(model.value, model.level, model.file if model.file is not None else op_file, model.pointer)


def _entry(model: EntryModel, position: int, entries: str, file: str, anchors: Anchors) -> CallRef:
    pointer = f"{entries}/{model.index if model.index is not None else position}"
    entry = CallRef(model.service, model.operation, model.budget, model.mode, file, pointer)
    if model.at is not None:
        anchors[(file, pointer)] = model.at
    if model.budget_at is not None:
        anchors[(file, f"{pointer}/x-slo-p99")] = model.budget_at
    return entry
