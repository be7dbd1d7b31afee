"""Versions of the published JSON documents (schemas/): raised on a breaking change to one."""

REPORT_SCHEMA_VERSION = 1
AUDIT_SCHEMA_VERSION = 1
