"""Reading a contract snapshot: one clear error for anything that is not one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from contract_gate.config.policy import Policy
from contract_gate.snapshot.codec import ServiceRecord, Source, records
from contract_gate.snapshot.kind import SNAPSHOT_KIND, SNAPSHOT_SCHEMA_VERSION

if TYPE_CHECKING:
    from pydantic import ValidationError

# Our snapshots start with their kind; a reader need not parse a JSON file to tell one.
_MARK = f'"{SNAPSHOT_KIND}"'.encode()
_HEAD = 256
# Snapshots come from the company's own repositories, but a bound keeps a wrong file cheap:
# 5,000 services are about 40 MB.
MAX_SNAPSHOT_BYTES = 1 << 30


class SnapshotError(Exception):
    """The file is not a snapshot this contract-gate can read; the message says why."""


def looks_like_snapshot(path: Path, explicit: bool = False) -> bool:
    """Whether a `.json` file starts like a snapshot `export` wrote.

    A file named on the command line that says it is another contract-gate document (a
    baseline, a report) is taken as a snapshot too, so that reading it says what it is.
    """
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD)
    except OSError:
        return False
    return _MARK in head or (explicit and b'"kind"' in head and b'"contract-gate-' in head)


def read_snapshot(path: Path, policy: Policy) -> tuple[Source, list[ServiceRecord]]:
    """Where the snapshot came from and its services; SnapshotError saying what is wrong."""
    try:
        if path.stat().st_size > MAX_SNAPSHOT_BYTES:
            raise SnapshotError(f"larger than {MAX_SNAPSHOT_BYTES >> 20} MB: not read")
        raw = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"cannot read the file: {error.strerror}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SnapshotError(f"not valid JSON ({error}): a truncated or damaged file?") from None
    _check_kind(data)
    from pydantic import ValidationError

    from contract_gate.snapshot.model import SnapshotModel  # pydantic only when a snapshot is read

    try:
        snapshot = SnapshotModel.model_validate(data)
    except ValidationError as error:
        raise SnapshotError(_first_error(error)) from None
    return records(snapshot, policy)


def _check_kind(data: object) -> None:
    if not isinstance(data, dict):
        raise SnapshotError(f"not a contract snapshot: the document is {type(data).__name__}, not an object")
    kind = data.get("kind")
    if kind != SNAPSHOT_KIND:
        said = f'its kind is "{kind}"' if isinstance(kind, str) else "it has no `kind`"
        raise SnapshotError(
            f'not a contract snapshot: {said}, not "{SNAPSHOT_KIND}" (write one with `contract-gate export`)'
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SnapshotError(f"schema_version {version!r} is not a snapshot schema version")
    if version > SNAPSHOT_SCHEMA_VERSION:
        raise SnapshotError(
            f"schema_version {version} is newer than this contract-gate reads ({SNAPSHOT_SCHEMA_VERSION});"
            " upgrade contract-gate, or export the snapshot with the version the readers use"
        )


def _first_error(error: ValidationError) -> str:
    """The first field that does not fit, as `services[3].operations[0].method: Field required`."""
    first = error.errors()[0]
    place = ""
    for part in first["loc"]:
        place += f"[{part}]" if isinstance(part, int) else f".{part}" if place else str(part)
    more = error.error_count() - 1
    extra = f" (and {more} more)" if more else ""
    return f"does not fit schemas/snapshot.schema.json: {place}: {first['msg']}{extra}"
