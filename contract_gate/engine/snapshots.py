"""Contract snapshots in a run (SPEC §11): as inputs that stand for their specs, and as context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contract_gate.config.settings import Config, age_seconds
from contract_gate.engine.checker import FileResult, Settings, problems_to_findings
from contract_gate.findings import Problem
from contract_gate.load.discovery import discover
from contract_gate.load.loader import display_path
from contract_gate.snapshot.codec import ServiceRecord, Source, utc_text
from contract_gate.snapshot.read import SnapshotError, read_snapshot
from contract_gate.snapshot.rules import SNAPSHOT_INVALID, SNAPSHOT_STALE
from contract_gate.spec.model import Service


@dataclass(frozen=True, slots=True)
class ContextSource:
    """One snapshot a run took as context: where it came from, and how many services it gave."""

    file: str
    repository: str | None
    commit: str | None
    time: datetime
    services: int

    def as_dict(self) -> dict[str, Any]:
        """As the JSON report lists it (`ContextSourceModel`)."""
        return {
            "file": self.file,
            "repository": self.repository,
            "commit": self.commit,
            "time": utc_text(self.time),
            "services": self.services,
        }


@dataclass(frozen=True, slots=True)
class Context:
    """The services the context snapshots hold (first by file order per id), and their findings."""

    services: list[Service]
    results: list[FileResult]  # a snapshot that cannot be read, or that is stale
    sources: list[ContextSource]


def snapshot_results(path: Path, settings: Settings) -> list[FileResult]:
    """One result per service of a snapshot given among the PATHs, as if its spec had been checked.

    The findings are those its own check gave when it was exported. A snapshot that cannot
    be read is one `snapshot-invalid` result whose services are lost (the run exits 2).
    """
    display = display_path(path)
    try:
        source, records = read_snapshot(path, settings.config.policy)
    except SnapshotError as error:
        return [_invalid(display, str(error), settings.config)]
    results = [_as_result(record, display) for record in records]
    stale = _stale(display, source, settings.config)
    return [*results, *stale]


def read_context(settings: Settings) -> Context:
    """The services of every snapshot under `settings.context`; the later of two with one id is dropped."""
    services: dict[str, Service] = {}
    results: list[FileResult] = []
    sources: list[ContextSource] = []
    for path in _snapshot_files(settings.context):
        display = display_path(path)
        try:
            source, records = read_snapshot(path, settings.config.policy)
        except SnapshotError as error:
            results.append(_invalid(display, str(error), settings.config))
            continue
        for record in records:
            services.setdefault(record.service.id, record.service)
        results.extend(_stale(display, source, settings.config))
        sources.append(ContextSource(display, source.repository, source.commit, source.time, len(records)))
    return Context(list(services.values()), results, sources)


def _snapshot_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and every `.json` file under the folders named, walked as inputs are.

    Hidden folders (a repository of snapshots has its `.git`) are pruned, as in every walk.
    """
    return [c.path for c in discover(list(paths), [], Path.cwd()) if c.explicit or c.path.suffix == ".json"]


def _as_result(record: ServiceRecord, display: str) -> FileResult:
    service = record.service
    return FileResult(
        service.file,
        True,
        service,
        list(record.findings),
        record.position,
        dict(record.anchors),
        snapshot=display,
    )


def _invalid(display: str, reason: str, config: Config) -> FileResult:
    problem = Problem(
        SNAPSHOT_INVALID, f"not a readable contract snapshot: {reason}", display, line=1, column=1
    )
    return FileResult(display, True, findings=problems_to_findings([problem], config), lost=True)


def _stale(display: str, source: Source, config: Config) -> list[FileResult]:
    if config.max_snapshot_age is None:
        return []
    now = datetime.now(UTC)
    exported = source.time if source.time.tzinfo is not None else source.time.replace(tzinfo=UTC)
    age = (now - exported).total_seconds()
    if age <= age_seconds(config.max_snapshot_age):
        return []
    days = age / 86_400
    shown = f"{days:.1f} days" if days >= 1 else f"{age / 3600:.1f} hours"
    problem = Problem(
        SNAPSHOT_STALE,
        f"exported {shown} ago ({exported.isoformat()}), longer than max-snapshot-age"
        f" {config.max_snapshot_age}: its services may have changed since; export it again",
        display,
        line=1,
        column=1,
    )
    return [FileResult(display, False, findings=problems_to_findings([problem], config))]
