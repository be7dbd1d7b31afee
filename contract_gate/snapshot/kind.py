"""What marks a contract snapshot: its kind and the newest schema version this code reads and writes."""

SNAPSHOT_KIND = "contract-gate-snapshot"
SNAPSHOT_SCHEMA_VERSION = 1
