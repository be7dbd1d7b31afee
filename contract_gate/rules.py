"""Every rule contract-gate reports: id, default severity, scope and its documentation.

The doc of each rule is what `contract-gate rules` prints; severity is only a
default, which configuration may change or turn off.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_gate.findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what it is called, how serious by default, what it looks at, what it means."""

    id: str
    severity: Severity
    scope: str  # file | operation | estate | diff (only with `check --base REV`)
    doc: str


RULES: tuple[Rule, ...] = (
    Rule(
        "parse-error",
        E,
        "file",
        """
The file could not be read as YAML or JSON (or not decoded as UTF-8/UTF-16/UTF-32).
The finding points at the place the parser stopped. Nothing else is checked in
that file; every other file of the run still is.
Fails: `paths: {/a: [}`    Passes: `paths: {/a: {}}`""",
    ),
    Rule(
        "not-a-spec",
        E,
        "file",
        """
A file named explicitly on the command line has no `openapi` or `swagger` key at
its root, so it is not an OpenAPI/Swagger spec. Files found by walking a folder
that are not specs (shared `$ref` fragments, other YAML) are skipped quietly.
Fails: `contract-gate check fragment.yaml` where fragment.yaml holds `Pet: {type: object}`""",
    ),
    Rule(
        "file-too-large",
        E,
        "file",
        """
The file is larger than `max-file-size` (default 50 MB) and was not read.
Raise the limit in config if the spec is genuinely that large.""",
    ),
    Rule(
        "checker-crashed",
        E,
        "file",
        """
Checking this file killed the worker process that checked it (a crash in a C
extension, more memory than a file may use) or took longer than the per-file
time limit. The file was not checked; every other file was. The message names
the signal or the limit. Report it: a spec should never be able to do that.""",
    ),
    Rule(
        "nesting-too-deep",
        E,
        "file",
        """
The document nests collections deeper than `max-depth` (default 256), or deeper
than the JSON parser's 1024 levels. Such input is a denial-of-service attempt,
not an API description; the file is not checked further.""",
    ),
    Rule(
        "too-many-nodes",
        E,
        "file",
        """
The document expands to more than `max-nodes` values (default 5,000,000) once
YAML aliases are expanded (an "alias bomb"), or an alias refers to itself.
The file is not checked further.""",
    ),
    Rule(
        "duplicate-key",
        W,
        "file",
        """
A YAML mapping has the same key twice. YAML forbids it and parsers disagree on
which value wins; contract-gate uses the last one, as most do.
Fails: `get: {summary: a, summary: b}`""",
    ),
    Rule(
        "yaml-lenient",
        W,
        "file",
        """
Strict YAML parsers (libyaml, PyYAML) refuse the file — typically a tab on a
blank line inside a block scalar, or a control character — while lenient ones
read it. contract-gate reads it leniently and checks it, and says so, because
other tools in the pipeline may not.""",
    ),
    Rule(
        "spec-invalid",
        E,
        "file",
        """
Structural validation by openapi-spec-validator (Swagger 2.0, OpenAPI 3.0/3.1/3.2)
found an error: one finding per error, at the place it concerns. An `openapi`
version written as a number (`openapi: 3.0`) or an unsupported version is
reported here too.
Fails: `info: {title: Orders}` (no `version`)""",
    ),
    Rule(
        "ref-unresolved",
        E,
        "file",
        """
A `$ref` points at nothing: a missing local file, a file that cannot be parsed,
or a JSON pointer that does not exist in its target.
Fails: `$ref: '#/components/schemas/Missing'`""",
    ),
    Rule(
        "ref-forbidden",
        E,
        "file",
        """
A `$ref` is remote (`http(s)://…`, any URI scheme) or leads outside the ref root
(the common folder of the inputs, or `ref-root`), including through a symlink.
Such targets are never fetched or read: specs come from pull requests, and a
reference must not make the CI runner reach the network or read its secrets.
Fails: `$ref: 'https://example.com/pet.json'`, `$ref: '../../etc/passwd'`""",
    ),
    Rule(
        "ref-cycle",
        E,
        "file",
        """
A chain of `$ref`s comes back to where it started (`/a: {$ref: '#/paths/~1a'}`)
and so never reaches a value. (A schema that refers to itself through its
properties is fine: that is recursion, not a cycle of references.)""",
    ),
    Rule(
        "service-duplicate",
        E,
        "estate",
        """
Two specs declare the same service id (`info.x-service`, else a slug of
`info.title`). Calls between services are matched by that id, so it must be
unique. Fix: set a distinct `info.x-service` in one of them.""",
    ),
    Rule(
        "owner-missing",
        E,
        "operation",
        """
An external operation has no `x-bu-owner` on itself, its path item, `info` or
the document root. Every external operation must say which business unit owns it.
Fails: `get: {responses: …}`    Passes: `get: {x-bu-owner: ECOM-BU, responses: …}`""",
    ),
    Rule(
        "owner-invalid",
        E,
        "operation",
        """
The effective `x-bu-owner` is not a string matching `bu-pattern` (default
`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`). Reported once where the value is written,
however many operations inherit it.
Fails: `x-bu-owner: ecom team`    Passes: `x-bu-owner: ECOM-BU`""",
    ),
    Rule(
        "owner-unknown-bu",
        E,
        "operation",
        """
A BU registry is configured (`bu-registry`) and the effective `x-bu-owner` is not
one of its BUs. Catches typos such as `ECOM-UB` that the pattern accepts.""",
    ),
    Rule(
        "slo-missing",
        E,
        "operation",
        """
An external operation has no `x-slo-p99` on itself, its path item, `info` or the
document root. Every external operation must promise a p99 latency.
Fails: `post: {x-bu-owner: ECOM-BU, …}`    Passes: `post: {x-slo-p99: 800ms, …}`""",
    ),
    Rule(
        "slo-invalid",
        E,
        "operation",
        """
The effective `x-slo-p99` is not `<number>ms` or `<number>s`, is not above 0, or
is above `max-slo-p99` (default 60s). Bare numbers are invalid: write `"800ms"`.
Reported once where the value is written.
Fails: `x-slo-p99: 800`, `x-slo-p99: 2 minutes`    Passes: `x-slo-p99: 800ms`, `1.5s`""",
    ),
    Rule(
        "call-invalid",
        E,
        "operation",
        """
An `x-calls` or `x-consumers` entry is malformed: not a mapping, no `service` or
`operation`, an `operation` that is neither an operationId nor `"METHOD /path"`,
a `mode` other than sync/async, an unknown key, or a duration (`x-slo-p99`) that
is missing from a call or is not `<number>ms`/`<number>s`. Points at the entry.
Fails: `x-calls: [{service: payment-service}]`""",
    ),
    Rule(
        "slo-misaligned",
        E,
        "estate",
        """
The callee promises a p99 (its effective `x-slo-p99`, C) above the budget the
caller allows the call (B, in its `x-calls` entry): the caller's budget cannot
hold. The pair is `violated`. Fix: raise the budget or make the callee faster.
Fails: caller budget `300ms`, callee `x-slo-p99: 450ms`""",
    ),
    Rule(
        "slo-agreement-mismatch",
        E,
        "estate",
        """
The callee lists the caller in `x-consumers` with an agreed p99 (A) that differs
from the budget the caller declares (B). Both sides must name the same number.
The pair is `violated`. Points at the callee's agreed value.""",
    ),
    Rule(
        "call-not-declared",
        W,
        "estate",
        """
The callee lists a consumer in `x-consumers`, but that caller operation does not
declare the call in its `x-calls`. The pair is `undeclared`: declare the call on
the caller with its budget, or drop the stale consumer entry.""",
    ),
    Rule(
        "consumer-not-listed",
        W,
        "estate",
        """
With `require-bidirectional = true`, a call declared by the caller must also be
listed by the callee in `x-consumers`; otherwise the pair is `undeclared`.""",
    ),
    Rule(
        "call-unresolved",
        E,
        "estate",
        """
A call (or a consumer entry) names a service that is loaded but has no such
operation: no operationId, and no `METHOD /path` whose template matches
(`/v1/carts/{id}` matches `/v1/carts/{cartId}`). A call's pair is `unresolved`
and counts against alignment; a consumer entry naming a missing operation of its
caller is reported without a pair (there is no caller operation to pair).""",
    ),
    Rule(
        "call-out-of-view",
        I,
        "estate",
        """
A call (or a consumer entry) names a service that is not among the loaded specs.
The pair is listed as `out-of-view` and left out of the alignment denominator.
Check the whole estate together to see it judged.""",
    ),
    Rule(
        "budget-infeasible",
        E,
        "estate",
        """
An operation promises a p99 below the p99 of a service it calls synchronously:
it cannot be faster than a call it must wait for.
Fails: `x-slo-p99: 200ms` calling (sync) an operation with `x-slo-p99: 300ms`""",
    ),
    Rule(
        "budget-overcommitted",
        W,
        "estate",
        """
An operation's own p99 is below the sum of the budgets of its synchronous calls:
if every call used its budget the promise would break. Async calls do not count.""",
    ),
    Rule(
        "call-cycle",
        W,
        "estate",
        """
Synchronous calls form a cycle (A calls B calls A, or longer): each waits for the
other, so no p99 can hold. Reported once per cycle, at its first operation.""",
    ),
    Rule(
        "threshold-completeness",
        E,
        "estate",
        """
Documentation completeness (external operations with a valid owner and SLO ÷ all
external operations) is below `min-completeness` (default 95). Not raised when
there is no external operation (n/a).""",
    ),
    Rule(
        "threshold-alignment",
        E,
        "estate",
        """
SLO alignment (aligned pairs ÷ pairs in scope) is below `min-alignment`
(default 90). Not raised when no pair is in scope (n/a).""",
    ),
    Rule(
        "slo-loosened",
        E,
        "diff",
        """
An operation's valid `x-slo-p99` is higher than at the base revision (only with
`check --base REV`; operations are matched by service id and `METHOD /path`).
A slower promise can break the callers that budgeted for the old one: the message
names every caller in view whose `x-calls` budget for it (sync or async) is now
below the new value, or says that none is.
Fails: `x-slo-p99: 250ms` at REV, `x-slo-p99: 450ms` now""",
    ),
    Rule(
        "owner-changed",
        I,
        "diff",
        """
The effective `x-bu-owner` of an operation is not the one it had at the base
revision (only with `check --base REV`). Handing an operation to another BU is
legitimate, but its callers and reviewers should see it. Giving an owner to an
operation that had none is not reported (that fixes `owner-missing`).
Reported: `x-bu-owner: ECOM-BU` at REV, `x-bu-owner: PAY-BU` now""",
    ),
    Rule(
        "operation-removed",
        E,
        "diff",
        """
An operation that existed at the base revision is gone, or its spec was deleted
(only with `check --base REV`; matched by service id and `METHOD /path`, path
parameter names ignored). An error while an operation in view still calls it
through `x-calls` (that call no longer resolves); otherwise a warning, because
clients outside the checked specs may still use it; info for an `x-internal`
operation nothing calls. A severity set for it in config applies to all cases.""",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
