"""Budget checks on each caller operation (SPEC §5), sync calls only.

budget-infeasible: an operation promises less than a callee it waits for;
budget-overcommitted: less than the sum of the budgets it allows its calls;
call-cycle: sync calls that end up waiting for themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from contract_gate.config.policy import Policy
from contract_gate.estate.anchors import calls_pointer
from contract_gate.estate.pairs import Estate, Side, call_problem, valid_ms
from contract_gate.estate.rules import BUDGET_INFEASIBLE, BUDGET_OVERCOMMITTED, CALL_CYCLE
from contract_gate.extensions.values import format_millis
from contract_gate.findings import Problem
from contract_gate.spec.model import CallRef, Operation


@dataclass(frozen=True, slots=True)
class Waiting:
    """An operation that makes sync calls, each with the operation it names (None: not loaded)."""

    service: str
    op: Operation
    calls: tuple[tuple[CallRef, Operation | None], ...]


def sync_calls(estate: Estate) -> list[Waiting]:
    """Every operation with sync calls, in estate order; each call resolved once for both checks."""
    waiting = []
    for service in estate.services.values():
        for op in service.operations:
            calls = tuple(
                (call, estate.operation(call.service, call.operation))
                for call in op.calls
                if call.mode == "sync"
            )
            if calls:
                waiting.append(Waiting(service.id, op, calls))
    return waiting


def budget_problems(waiting: list[Waiting], policy: Policy) -> Iterator[Problem]:
    """budget-infeasible and budget-overcommitted, on sync calls only."""
    for caller in waiting:
        op, own = caller.op, caller.op.slo_ms
        if own is None:
            continue
        side = Side(caller.service, op.key, op)
        for call, callee in caller.calls:
            if callee is not None and callee.slo_ms is not None and own < callee.slo_ms:
                yield call_problem(
                    BUDGET_INFEASIBLE,
                    call,
                    side,
                    (
                        f"{op.key} promises {format_millis(own)} but waits for {call.service}"
                        f" {callee.key}, which promises {format_millis(callee.slo_ms)}"
                    ),
                )
        total = sum(ms for call, _ in caller.calls if (ms := valid_ms(call.budget, policy)) is not None)
        if own < total:
            count = len(caller.calls)
            yield Problem(
                BUDGET_OVERCOMMITTED,
                f"{op.key} promises {format_millis(own)} but budgets {format_millis(total)} for its"
                f" {count} sync call{'s' * (count != 1)}",
                op.file,
                calls_pointer(op),
                caller.service,
                op.key,
            )


def cycle_problems(waiting: list[Waiting]) -> Iterator[Problem]:
    """One call-cycle finding per strongly connected group of sync calls."""
    # Only an operation that waits for another can be in a cycle: the graph holds those alone
    # (an operation's key is unique in its service), and the search starts from them.
    nodes: dict[tuple[str, str], Operation] = {}
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for caller in waiting:
        waits_for = [(call.service, callee.key) for call, callee in caller.calls if callee is not None]
        if waits_for:
            nodes[caller.service, caller.op.key] = caller.op
            edges[caller.service, caller.op.key] = waits_for
    for component in _strongly_connected(list(nodes), edges):
        if len(component) == 1 and component[0] not in edges.get(component[0], ()):
            continue
        first = min(component)
        op = nodes[first]
        path = " -> ".join(f"{s} {o}" for s, o in sorted(component))
        yield Problem(
            CALL_CYCLE,
            f"sync calls form a cycle: {path}; no p99 can hold when each waits for the other",
            op.file,
            calls_pointer(op),
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
