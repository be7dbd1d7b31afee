"""The published shape of a contract snapshot (`schemas/snapshot.schema.json`), as pydantic models.

A snapshot holds what pairs and metrics need of each service and nothing of its schemas or
descriptions: per operation its effective owner and SLO with where each is written, its
`x-calls` and `x-consumers` entries with the positions estate findings point at; per service
the findings its own check gave. Defaults are left out: thousands of services stay small.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Position = tuple[int, int]


class SourcedModel(_Strict):
    """An effective `x-bu-owner` or `x-slo-p99`: the value as written, where, and whether valid."""

    value: Any = Field(description="The value as written in the spec (any JSON value).")
    level: Literal["operation", "path-item", "info", "root"]
    file: str | None = Field(None, description="The file it is written in, when not the operation's.")
    pointer: str = Field(description="JSON pointer of the value in its file.")
    valid: bool = Field(description="Valid under the exporting run's policy; readers judge it again.")


class EntryModel(_Strict):
    """One `x-calls` or `x-consumers` entry, in the operation's file, at `<operation>/x-calls/<index>`."""

    service: str
    operation: str = Field(description='operationId or "METHOD /path", as written.')
    budget: Any = Field(
        None, description="The entry's x-slo-p99 as written: the caller's budget, or the agreed value."
    )
    mode: Literal["sync", "async"] = "sync"
    index: int | None = Field(
        None,
        ge=0,
        description="Its index in the list, when not its place here (a malformed entry before it).",
    )
    at: Position | None = Field(None, description="(line, column) of the entry.")
    budget_at: Position | None = Field(None, description="(line, column) of its x-slo-p99 (or of the entry).")


class OperationModel(_Strict):
    """One operation of a service."""

    method: str
    path: str
    operation_id: str | None = None
    internal: bool = False
    file: str | None = Field(None, description="The file it is written in, when not the service's.")
    pointer: str
    owner: SourcedModel | None = None
    slo: SourcedModel | None = None
    calls: list[EntryModel] = []
    calls_at: Position | None = Field(None, description="(line, column) of its x-calls list.")
    consumers: list[EntryModel] = []
    entry_errors: list[tuple[str, str]] = Field(
        [], description="(pointer, message) of x-calls/x-consumers entries that could not be read."
    )


class FindingModel(_Strict):
    """A finding the service's own check gave (its file's findings, not the estate's)."""

    rule: str
    severity: Literal["error", "warning", "info"]
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    service: str | None = None
    operation: str | None = None
    fingerprint: str


class ServiceModel(_Strict):
    """One spec seen as a service."""

    id: str
    title: str | None = None
    file: str
    spec_version: str
    id_pointer: str
    position: Position | None = Field(None, description="(line, column) of the service id.")
    base_paths: list[str] = []
    operations: list[OperationModel] = []
    findings: list[FindingModel] = []


class SourceModel(_Strict):
    """Where and when the snapshot was made."""

    repository: str | None = Field(None, description="The git remote, or what --source said.")
    commit: str | None = None
    time: datetime = Field(description="When it was exported (UTC); `snapshot-stale` judges its age.")


class SnapshotModel(_Strict):
    """A repository's contracts: its services as `contract-gate export` saw them."""

    kind: Literal["contract-gate-snapshot"]
    schema_version: Literal[1]
    generator: str = Field(description='The contract-gate that wrote it, e.g. "contract-gate 0.1.0".')
    source: SourceModel
    services: list[ServiceModel]
