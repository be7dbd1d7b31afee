"""The structural rule: the OpenAPI/Swagger schemas, as openapi-spec-validator reads them."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

SPEC_INVALID = Rule(
    "spec-invalid",
    Severity.ERROR,
    Scope.FILE,
    """
Structural validation by openapi-spec-validator (Swagger 2.0, OpenAPI 3.0/3.1/3.2)
found an error: one finding per error, at the place it concerns. An `openapi`
version written as a number (`openapi: 3.0`) or an unsupported version is
reported here too.
Fails: `info: {title: Orders}` (no `version`)""",
)
