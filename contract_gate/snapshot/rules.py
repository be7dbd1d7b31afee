"""Rules about the contract snapshots a run reads (SPEC §11)."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

SNAPSHOT_INVALID = Rule(
    "snapshot-invalid",
    Severity.ERROR,
    Scope.FILE,
    """
A file given as a contract snapshot (a PATH holding `"kind": "contract-gate-snapshot"`,
or any `.json` file under `--context`) cannot be read as one: it is not JSON (a
truncated upload), its `kind` is another, its `schema_version` is newer than this
contract-gate reads, or a field does not fit `schemas/snapshot.schema.json`. Every
other input is still checked and reported, but the run exits 2: numbers computed
without that snapshot's services would look final and be wrong. Fix: export it
again with `contract-gate export`, or upgrade contract-gate.""",
)

SNAPSHOT_STALE = Rule(
    "snapshot-stale",
    Severity.WARNING,
    Scope.FILE,
    """
A contract snapshot was exported longer ago than `max-snapshot-age` (off by
default): the repository it came from has not published one since, so its
services' owners, SLOs and calls may have changed. Its services are still used.
Fix: make the repository's main branch export on every merge (docs/estate.md).""",
)
