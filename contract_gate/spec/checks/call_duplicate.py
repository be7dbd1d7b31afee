"""call-duplicate: an operation names each operation it calls (or is called by) once."""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.config.policy import Policy
from contract_gate.findings import Problem
from contract_gate.rules import Rule, Scope, Severity
from contract_gate.spec.checks.unit import OperationCheck, shown
from contract_gate.spec.model import CallRef, Service, route_of

RULE = Rule(
    "call-duplicate",
    Severity.WARNING,
    Scope.OPERATION,
    """
An operation's `x-calls` names the same operation of a service twice (the same
operationId, or the same method and path template; once the estate is loaded, also
its operationId and its `METHOD /path`, or the path with its basePath or server
path before it), or its `x-consumers` names the same consumer twice. The pair is
judged by the first entry alone, while a
second call still adds its budget to the sum `budget-overcommitted` checks.
Keep one entry. Points at the later one.
Fails: `x-calls: [{service: pay, operation: charge, …}, {service: pay, operation: charge, …}]`""",
)


def check(service: Service, policy: Policy) -> Iterator[Problem]:
    """Each entry of an x-calls or x-consumers list that names an operation an earlier one named."""
    for op in service.operations:
        for name, entries in (("x-calls", op.calls), ("x-consumers", op.consumers)):
            first: dict[tuple[str, tuple[str, str] | str], CallRef] = {}
            for entry in entries:
                earlier = first.setdefault(written_key(entry), entry)
                if earlier is entry:
                    continue
                yield Problem(
                    RULE,
                    f'{shown(op)} names {entry.service} "{entry.operation}" again in {name} entry'
                    f" {_index(entry)} (first in entry {_index(earlier)}); only the first is judged:"
                    " merge them into one",
                    entry.file,
                    entry.pointer,
                    service.id,
                    op.key,
                )


def written_key(entry: CallRef) -> tuple[str, tuple[str, str] | str]:
    """What an entry names as written: its service and operationId or (method, path template)."""
    return entry.service, route_of(entry.operation) or entry.operation


def _index(entry: CallRef) -> str:
    return entry.pointer.rsplit("/", 1)[-1]


UNIT = OperationCheck(RULE, check)
