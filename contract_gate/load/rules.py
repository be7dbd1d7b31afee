"""Rules of reading a file: decoding, parsing, limits and `$ref`s. The reading is their check."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

PARSE_ERROR = Rule(
    "parse-error",
    Severity.ERROR,
    Scope.FILE,
    """
The file could not be read as YAML or JSON (or not decoded as UTF-8/UTF-16/UTF-32).
The finding points at the place the parser stopped. Nothing else is checked in
that file; every other file of the run still is.
Fails: `paths: {/a: [}`    Passes: `paths: {/a: {}}`""",
)

FILE_TOO_LARGE = Rule(
    "file-too-large",
    Severity.ERROR,
    Scope.FILE,
    """
The file is larger than `max-file-size` (default 50 MB) and was not read.
Raise the limit in config if the spec is genuinely that large.""",
)

NESTING_TOO_DEEP = Rule(
    "nesting-too-deep",
    Severity.ERROR,
    Scope.FILE,
    """
The document nests collections deeper than `max-depth` (default 256), or deeper
than the JSON parser's 1024 levels. Such input is a denial-of-service attempt,
not an API description; the file is not checked further.""",
)

TOO_MANY_NODES = Rule(
    "too-many-nodes",
    Severity.ERROR,
    Scope.FILE,
    """
The document expands to more than `max-nodes` values (default 5,000,000) once
YAML aliases are expanded (an "alias bomb"), or an alias refers to itself.
The file is not checked further.""",
)

DUPLICATE_KEY = Rule(
    "duplicate-key",
    Severity.WARNING,
    Scope.FILE,
    """
A YAML mapping has the same key twice. YAML forbids it and parsers disagree on
which value wins; contract-gate uses the last one, as most do.
Fails: `get: {summary: a, summary: b}`""",
)

YAML_LENIENT = Rule(
    "yaml-lenient",
    Severity.WARNING,
    Scope.FILE,
    """
Strict YAML parsers (libyaml, PyYAML) refuse the file — typically a tab on a
blank line inside a block scalar, or a control character — while lenient ones
read it. contract-gate reads it leniently and checks it, and says so, because
other tools in the pipeline may not.""",
)

REF_UNRESOLVED = Rule(
    "ref-unresolved",
    Severity.ERROR,
    Scope.FILE,
    """
A `$ref` points at nothing: a missing local file, a file that cannot be parsed,
or a JSON pointer that does not exist in its target.
Fails: `$ref: '#/components/schemas/Missing'`""",
)

REF_FORBIDDEN = Rule(
    "ref-forbidden",
    Severity.ERROR,
    Scope.FILE,
    """
A `$ref` is remote (`http(s)://…`, any URI scheme) or leads outside the ref root
(the common folder of the inputs, or `ref-root`), including through a symlink.
Such targets are never fetched or read: specs come from pull requests, and a
reference must not make the CI runner reach the network or read its secrets.
Fails: `$ref: 'https://example.com/pet.json'`, `$ref: '../../etc/passwd'`""",
)

REF_CYCLE = Rule(
    "ref-cycle",
    Severity.ERROR,
    Scope.FILE,
    """
A chain of `$ref`s comes back to where it started (`/a: {$ref: '#/paths/~1a'}`)
and so never reaches a value. (A schema that refers to itself through its
properties is fine: that is recursion, not a cycle of references.)""",
)
