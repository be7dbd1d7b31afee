"""Calls between services (SPEC §5): pairs and their status, budget checks, call cycles.

A pair is (caller service + operation, callee service + operation), found from
the caller's `x-calls`, the callee's `x-consumers`, or both (then merged). With
B the caller's budget, C the callee's effective `x-slo-p99` and A the value the
callee agreed in `x-consumers`, a pair is aligned when B and C are valid, C <= B
and A (if listed) equals B.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from contract_gate import pointer as jp
from contract_gate.config import Config
from contract_gate.extensions import check_slo, format_millis, slo_millis
from contract_gate.findings import Problem
from contract_gate.model import CallRef, Operation, Service

_METHOD_PATH = re.compile(r"^([A-Za-z]+)\s+(/\S*)$")
_TEMPLATE_PARAM = re.compile(r"\{[^}/]*\}")
UNOWNED = "(unowned)"


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


@dataclass(frozen=True, slots=True)
class Pair:
    """A caller/callee pair with its status and the three durations that decide it."""

    caller: Side
    callee: Side
    status: str  # aligned | violated | undeclared | unresolved | out-of-view
    budget: str | None
    commitment: str | None
    agreed: str | None
    mode: str

    @property
    def cross_bu(self) -> bool:
        """Caller and callee BUs differ, or either is unknown."""
        return self.caller.bu is None or self.callee.bu is None or self.caller.bu != self.callee.bu

    @property
    def counts(self) -> bool:
        """Only external operations count in the metrics."""
        return not any(side.op is not None and side.op.internal for side in (self.caller, self.callee))

    def groups(self, by: str) -> set[str]:
        """The BUs (or services) the pair counts for: its caller's and its callee's.

        An out-of-view pair counts (as out of view) only for the side that is loaded.
        """
        sides = [s for s in (self.caller, self.callee) if s.op is not None or self.status != "out-of-view"]
        if by == "service":
            return {side.service for side in sides}
        return {side.bu or UNOWNED for side in sides}


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

    def operation(self, service: str, ref: str) -> Operation | None:
        """The operation `ref` (operationId or "METHOD /path") names in a loaded service."""
        match = _METHOD_PATH.match(ref)
        if match:
            return self._by_route[service].get((match.group(1).lower(), template(match.group(2))))
        return self._by_id[service].get(ref)


def template(path: str) -> str:
    """`/v1/carts/{cartId}` and `/v1/carts/{id}` are the same template."""
    return _TEMPLATE_PARAM.sub("{}", path)


@dataclass
class _Draft:
    caller: Side
    callee: Side
    call: CallRef | None = None
    consumer: CallRef | None = None


def analyze(services: list[Service], config: Config) -> tuple[list[Pair], list[Problem]]:
    """Every pair of the estate with its status, and the findings of the call rules."""
    estate = Estate(services)
    drafts: dict[tuple[str, str, str, str], _Draft] = {}
    pairs: list[Pair] = []
    problems: list[Problem] = []
    for service in estate.services.values():
        for op in service.operations:
            caller = Side(service.id, op.key, op)
            for call in op.calls:
                outcome = _callee(estate, caller, call, problems)
                if isinstance(outcome, Pair):
                    pairs.append(outcome)
                    continue
                draft = drafts.setdefault(_key(caller, outcome), _Draft(caller, outcome))
                draft.call = draft.call or call
            callee = Side(service.id, op.key, op)
            for consumer in op.consumers:
                source = _caller(estate, callee, consumer, problems)
                if isinstance(source, Side):
                    draft = drafts.setdefault(_key(source, callee), _Draft(source, callee))
                    draft.consumer = draft.consumer or consumer
                elif source is not None:
                    pairs.append(source)
    for draft in drafts.values():
        pair, problem = _judge(draft, config)
        pairs.append(pair)
        if problem is not None:
            problems.append(problem)
    problems.extend(_budget_problems(estate, config))
    problems.extend(_cycle_problems(estate))
    pairs.sort(key=lambda p: (p.caller.service, p.caller.operation, p.callee.service, p.callee.operation))
    return pairs, problems


def _key(caller: Side, callee: Side) -> tuple[str, str, str, str]:
    return caller.service, caller.operation, callee.service, callee.operation


def _callee(estate: Estate, caller: Side, call: CallRef, problems: list[Problem]) -> Side | Pair:
    """The callee side of an x-calls entry, or a finished pair when it cannot be resolved."""
    if call.service not in estate.services:
        problems.append(
            _problem(
                "call-out-of-view",
                call,
                caller,
                (
                    f'{caller.operation} calls service "{call.service}", which is not among the loaded specs;'
                    " the pair is listed but not counted"
                ),
            )
        )
        return _unfinished(caller, Side(call.service, call.operation), call, "out-of-view")
    op = estate.operation(call.service, call.operation)
    if op is None:
        problems.append(
            _problem(
                "call-unresolved",
                call,
                caller,
                (
                    f'{caller.operation} calls "{call.operation}" of {call.service}, which has no such'
                    " operation (neither an operationId nor a METHOD /path template of it)"
                ),
            )
        )
        return _unfinished(caller, Side(call.service, call.operation), call, "unresolved")
    return Side(call.service, op.key, op)


def _caller(estate: Estate, callee: Side, consumer: CallRef, problems: list[Problem]) -> Side | Pair | None:
    """The caller side of an x-consumers entry, a pair when out of view, None when unresolved."""
    if consumer.service not in estate.services:
        problems.append(
            _problem(
                "call-out-of-view",
                consumer,
                callee,
                (
                    f'{callee.operation} lists consumer service "{consumer.service}", which is not among the'
                    " loaded specs; the pair is listed but not counted"
                ),
            )
        )
        caller = Side(consumer.service, consumer.operation)
        return Pair(
            caller, callee, "out-of-view", None, _commitment(callee.op), _text(consumer.budget), "sync"
        )
    op = estate.operation(consumer.service, consumer.operation)
    if op is None:
        problems.append(
            _problem(
                "call-unresolved",
                consumer,
                callee,
                (
                    f'{callee.operation} lists consumer "{consumer.operation}" of {consumer.service},'
                    " which has no such operation"
                ),
            )
        )
        return None
    return Side(consumer.service, op.key, op)


def _unfinished(caller: Side, callee: Side, call: CallRef, status: str) -> Pair:
    return Pair(caller, callee, status, _text(call.budget), None, None, call.mode)


def _judge(draft: _Draft, config: Config) -> tuple[Pair, Problem | None]:
    """Status of a resolved pair, and the finding that explains a non-aligned one."""
    call, consumer, caller, callee = draft.call, draft.consumer, draft.caller, draft.callee
    commitment = _commitment(callee.op)
    agreed = _text(consumer.budget) if consumer is not None else None
    if call is None:
        assert consumer is not None
        pair = Pair(caller, callee, "undeclared", None, commitment, agreed, "sync")
        return pair, _problem(
            "call-not-declared",
            consumer,
            callee,
            (
                f"{callee.service} {callee.operation} lists {caller.service} {caller.operation} as a"
                f" consumer, but {caller.service} does not declare the call in x-calls"
            ),
        )
    budget_ms = _valid_ms(call.budget, config)
    commitment_ms = callee.op.slo_ms if callee.op is not None else None
    pair = Pair(caller, callee, "aligned", _text(call.budget), commitment, agreed, call.mode)
    if budget_ms is None or commitment_ms is None:
        return _with(pair, "undeclared"), None  # the missing/invalid value has its own finding
    if commitment_ms > budget_ms:
        return _with(pair, "violated"), _problem(
            "slo-misaligned",
            call,
            caller,
            (
                f"{caller.service} {caller.operation} allows {callee.service} {callee.operation}"
                f" {format_millis(budget_ms)}, but it promises {format_millis(commitment_ms)}"
            ),
            budget=True,
        )
    agreed_ms = _valid_ms(consumer.budget, config) if consumer is not None else None
    if consumer is not None and consumer.budget is not None and agreed_ms is None:
        return _with(pair, "undeclared"), None  # the invalid agreed value is call-invalid already
    if consumer is not None and agreed_ms is not None and agreed_ms != budget_ms:
        return _with(pair, "violated"), _problem(
            "slo-agreement-mismatch",
            consumer,
            callee,
            (
                f"{callee.service} {callee.operation} agreed {_text(consumer.budget)} with {caller.service}"
                f" {caller.operation}, which budgets {format_millis(budget_ms)} for the call"
            ),
            budget=True,
        )
    if config.require_bidirectional and consumer is None:
        return _with(pair, "undeclared"), _problem(
            "consumer-not-listed",
            call,
            caller,
            (
                f"{callee.service} {callee.operation} does not list {caller.service} {caller.operation}"
                " in x-consumers (require-bidirectional)"
            ),
        )
    return pair, None


def _with(pair: Pair, status: str) -> Pair:
    return Pair(pair.caller, pair.callee, status, pair.budget, pair.commitment, pair.agreed, pair.mode)


def _budget_problems(estate: Estate, config: Config) -> Iterator[Problem]:
    """budget-infeasible and budget-overcommitted, on sync calls only."""
    for service in estate.services.values():
        for op in service.operations:
            own = op.slo_ms
            sync = [c for c in op.calls if c.mode == "sync"]
            if own is None or not sync:
                continue
            side = Side(service.id, op.key, op)
            for call in sync:
                callee = (
                    estate.operation(call.service, call.operation)
                    if call.service in estate.services
                    else None
                )
                if callee is not None and callee.slo_ms is not None and own < callee.slo_ms:
                    yield _problem(
                        "budget-infeasible",
                        call,
                        side,
                        (
                            f"{op.key} promises {format_millis(own)} but waits for {call.service}"
                            f" {callee.key}, which promises {format_millis(callee.slo_ms)}"
                        ),
                    )
            total = sum(ms for c in sync if (ms := _valid_ms(c.budget, config)) is not None)
            if own < total:
                yield Problem(
                    "budget-overcommitted",
                    f"{op.key} promises {format_millis(own)} but budgets {format_millis(total)} for its"
                    f" {len(sync)} sync call{'s' * (len(sync) != 1)}",
                    op.file,
                    jp.child(op.pointer, "x-calls"),
                    service.id,
                    op.key,
                )


def _cycle_problems(estate: Estate) -> Iterator[Problem]:
    """One call-cycle finding per strongly connected group of sync calls."""
    nodes: dict[tuple[str, str], Operation] = {}
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for service in estate.services.values():
        for op in service.operations:
            here = (service.id, op.key)
            nodes[here] = op
            for call in op.calls:
                if call.mode != "sync" or call.service not in estate.services:
                    continue
                callee = estate.operation(call.service, call.operation)
                if callee is not None:
                    edges.setdefault(here, []).append((call.service, callee.key))
    for component in _strongly_connected(list(nodes), edges):
        first = min(component)
        if len(component) == 1 and first not in edges.get(first, []):
            continue
        op = nodes[first]
        path = " -> ".join(f"{s} {o}" for s, o in sorted(component))
        yield Problem(
            "call-cycle",
            f"sync calls form a cycle: {path}; no p99 can hold when each waits for the other",
            op.file,
            jp.child(op.pointer, "x-calls"),
            first[0],
            first[1],
        )


def _strongly_connected(
    nodes: list[tuple[str, str]], edges: dict[tuple[str, str], list[tuple[str, str]]]
) -> list[list[tuple[str, str]]]:
    """Tarjan's algorithm, iterative (call graphs can be long)."""
    index: dict[tuple[str, str], int] = {}
    low: dict[tuple[str, str], int] = {}
    on_stack: set[tuple[str, str]] = set()
    stack: list[tuple[str, str]] = []
    found: list[list[tuple[str, str]]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = edges.get(node, [])
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            for child in children:
                if child in on_stack:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    return found


def _problem(rule: str, entry: CallRef, side: Side, message: str, budget: bool = False) -> Problem:
    pointer = entry.budget_pointer if budget else entry.pointer
    return Problem(rule, message, entry.file, pointer, side.service, side.operation)


def _commitment(op: Operation | None) -> str | None:
    return _text(op.slo.value) if op is not None and op.slo is not None else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _valid_ms(value: object, config: Config) -> float | None:
    return slo_millis(value) if value is not None and check_slo(value, config.max_slo_millis).valid else None


def anchor_pointers(service: Service) -> set[tuple[str, str]]:
    """(file, pointer) of everything a call finding may point at, to locate before estate rules."""
    anchors: set[tuple[str, str]] = set()
    for op in service.operations:
        for entry in (*op.calls, *op.consumers):
            anchors.update({(entry.file, entry.pointer), (entry.file, entry.budget_pointer)})
        if op.calls:
            anchors.add((op.file, jp.child(op.pointer, "x-calls")))
    return anchors
