"""The structural rules: the OpenAPI/Swagger schemas, with openapi-spec-validator's checks."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

SPEC_INVALID = Rule(
    "spec-invalid",
    Severity.ERROR,
    Scope.FILE,
    """
Structural validation (Swagger 2.0, OpenAPI 3.0/3.1/3.2) found an error: one finding per
error, at the place it concerns. The document is checked against the newest schema the
OpenAPI Initiative publishes for its version (`contract-gate --version` names them) by
openapi-spec-validator, whose own checks cover what a schema cannot say (duplicate
operationIds, undeclared path parameters, Schema Objects), and for what the specification
text requires beyond both. An `openapi` version written as a number (`openapi: 3.0`) or an
unsupported version is reported here too.
Fails: `info: {title: Orders}` (no `version`)""",
)

SPEC_FORMAT = Rule(
    "spec-format",
    Severity.WARNING,
    Scope.FILE,
    """
A value breaks the `format` the OpenAPI schema gives it: a `url` that is not an absolute
URI, an `email` that is not an address (RFC 6531: UTF-8 local parts and international
domains are addresses), a `$ref` that is not a URI reference, or a `pattern` that is not an
ECMA-262 regular expression (judged by ECMA-262 2018 and later: `(?<name>…)` and `\\p{L}` are
fine; Python's `(?P<name>…)`, inline flags `(?i)`, `\\A`, `\\Z`, atomic groups `(?>…)` and
possessive quantifiers `a++` are not). openapi-spec-validator does not assert formats, so
this is a warning by default; the message says what the value should be, or which construct
of the pattern ECMA-262 does not allow.
Fails: `license: {name: MIT, url: www.example.com}`    Passes: `license: {name: MIT, url: https://example.com}`""",
)

SCHEMA_DIALECT_UNCHECKED = Rule(
    "schema-dialect-unchecked",
    Severity.INFO,
    Scope.FILE,
    """
OpenAPI 3.1 and 3.2 allow Schema Objects of another JSON Schema dialect: a root
`jsonSchemaDialect`, or a schema's own `$schema`, other than the OpenAPI dialect or JSON
Schema 2020-12. contract-gate cannot judge such schemas, so it leaves them unchecked (no
`spec-invalid` from inside them) and says so once per document (at `jsonSchemaDialect`) or
once per such schema (at its `$schema`); the rest of the document is checked as usual.
Fails: `jsonSchemaDialect: https://example.com/my-dialect`    Passes: no `jsonSchemaDialect`""",
)
