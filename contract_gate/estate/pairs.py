"""The estate as calls see it: services by id, their operations by operationId or route."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from contract_gate.config.policy import Policy
from contract_gate.extensions.values import check_slo, slo_millis
from contract_gate.findings import Problem
from contract_gate.pickling import by_constructor
from contract_gate.rules import Cite, Rule
from contract_gate.spec.model import CallRef, Operation, Service, route_of, template


@by_constructor
@dataclass(frozen=True, slots=True)
class Side:
    """One end of a pair: a service id and an operation key (as written when unresolved)."""

    service: str
    operation: str
    op: Operation | None = field(default=None, compare=False)

    @property
    def bu(self) -> str | None:
        """The owning BU of a resolved operation with a valid owner."""
        return self.op.bu if self.op is not None else None


class Estate:
    """Services by id and their operations by operationId and by method + path template."""

    def __init__(self, services: Iterable[Service]) -> None:
        self.services: dict[str, Service] = {}
        self._by_id: dict[str, dict[str, Operation]] = {}
        self._by_route: dict[str, dict[tuple[str, str], Operation]] = {}
        for service in services:
            if service.id in self.services:
                continue  # service-duplicate: the first one declared is the one called
            self.services[service.id] = service
            ids, routes = self._by_id.setdefault(service.id, {}), self._by_route.setdefault(service.id, {})
            for op in service.operations:
                if op.operation_id:
                    ids.setdefault(op.operation_id, op)
                routes.setdefault((op.method, template(op.path)), op)
            # Callers often write the full path (SPEC §3); a path as written wins over a prefixed one.
            for prefix in service.base_paths:
                for op in service.operations:
                    routes.setdefault((op.method, template(prefix + op.path)), op)
        # What each reference named, by service: calls name the same operations many times.
        self._named: dict[str, dict[str, Operation | None]] = {}

    def operation(self, service: str, ref: str) -> Operation | None:
        """The operation `ref` (operationId or "METHOD /path") names in a service; None if not loaded."""
        named = self._named.get(service)
        if named is None:
            named = self._named[service] = {}
        try:
            return named[ref]
        except KeyError:
            route = route_of(ref)
            if route is not None:
                found = self._by_route.get(service, {}).get(route)
            else:
                found = self._by_id.get(service, {}).get(ref)
            named[ref] = found
            return found


def call_problem(rule: Rule, entry: CallRef, side: Side, message: str) -> Problem:
    """A finding about one x-calls/x-consumers entry, for the side it is on.

    It points at the entry's x-slo-p99 when the rule cites budgets, else at the entry.
    """
    pointer = entry.budget_pointer if Cite.CALL_BUDGET in rule.cites else entry.pointer
    return Problem(rule, message, entry.file, pointer, side.service, side.operation)


def valid_ms(value: object, policy: Policy) -> float | None:
    """Milliseconds of a valid duration, else None (a value other than a string is never valid)."""
    return _valid_text_ms(value, policy.max_slo_ms) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _valid_text_ms(value: str, max_ms: float) -> float | None:
    # Budgets repeat across an estate's calls: each distinct one is checked once.
    return slo_millis(value) if check_slo(value, max_ms).valid else None
