"""Calls between services (SPEC §5): pairs and their status, budget checks, call cycles.

A pair is (caller service + operation, callee service + operation), found from
the caller's `x-calls`, the callee's `x-consumers`, or both (then merged). With
B the caller's budget, C the callee's effective `x-slo-p99` and A the value the
callee agreed in `x-consumers`, a pair is aligned when B and C are valid, C <= B
and A (if listed) equals B.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from contract_gate.config.policy import Policy
from contract_gate.estate.budgets import budget_problems, cycle_problems, sync_calls
from contract_gate.estate.pairs import Estate, Side, call_problem, valid_ms
from contract_gate.estate.rules import (
    CALL_NOT_DECLARED,
    CALL_OUT_OF_VIEW,
    CALL_UNRESOLVED,
    CONSUMER_NOT_LISTED,
    SLO_AGREEMENT_MISMATCH,
    SLO_MISALIGNED,
)
from contract_gate.estate.service_hints import ServiceHints
from contract_gate.extensions.values import format_millis
from contract_gate.findings import Problem
from contract_gate.pickling import by_constructor
from contract_gate.spec.checks.call_duplicate import RULE as CALL_DUPLICATE
from contract_gate.spec.checks.call_duplicate import written_key
from contract_gate.spec.model import CallRef, Operation, Service

UNOWNED = "(unowned)"


def bu_order(bu: str) -> tuple[bool, str]:
    """Sort key of BU names: by name, "(unowned)" last."""
    return bu == UNOWNED, bu


class PairStatus(StrEnum):
    """How a call stands against the callee's commitment (SPEC: SLO alignment)."""

    ALIGNED = "aligned"
    VIOLATED = "violated"
    UNDECLARED = "undeclared"
    UNRESOLVED = "unresolved"
    OUT_OF_VIEW = "out-of-view"


@by_constructor
@dataclass(frozen=True, slots=True)
class Pair:
    """A caller/callee pair with its status and the three durations that decide it."""

    caller: Side
    callee: Side
    status: PairStatus
    budget: str | None
    commitment: str | None
    agreed: str | None
    mode: str
    # (file, pointer) of the x-calls and x-consumers entries behind the pair, for its findings.
    entries: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # Derived from the sides when the pair is made: the metrics and the reports read them for
    # every pair, often several times.
    cross_bu: bool = field(init=False, repr=False, compare=False)
    """Caller and callee BUs differ, or either is unknown."""
    counts: bool = field(init=False, repr=False, compare=False)
    """Only external operations count in the metrics."""

    def __post_init__(self) -> None:
        caller_bu, callee_bu = self.caller.bu, self.callee.bu
        object.__setattr__(self, "cross_bu", caller_bu is None or callee_bu is None or caller_bu != callee_bu)
        caller, callee = self.caller.op, self.callee.op
        internal = (caller is not None and caller.internal) or (callee is not None and callee.internal)
        object.__setattr__(self, "counts", not internal)

    def not_counted(self, scope: str) -> str | None:
        """Why the pair is not in the alignment denominator of `scope`; None when it is.

        "internal" (an internal operation on a side), "out-of-view", or "same-bu" (both sides
        in one BU under the cross-bu scope).
        """
        if not self.counts:
            return "internal"
        if self.status == PairStatus.OUT_OF_VIEW:
            return "out-of-view"
        if scope != "all" and not self.cross_bu:
            return "same-bu"
        return None

    def groups(self, by: str, gated: Collection[str] | None = None) -> set[str]:
        """The BUs (or services) the pair counts for: its caller's and its callee's.

        An out-of-view pair counts (as out of view) only for the side that is loaded; with
        `gated` (a check with context, SPEC §11), only for the sides of those services.
        """
        caller, callee = self.caller, self.callee
        if gated is None and self.status != PairStatus.OUT_OF_VIEW:  # both sides: most pairs
            if by == "service":
                return {caller.service, callee.service}
            return {caller.bu or UNOWNED, callee.bu or UNOWNED}
        sides: tuple[Side, ...] = (caller, callee)
        if self.status == PairStatus.OUT_OF_VIEW:
            sides = tuple(side for side in sides if side.op is not None)
        if gated is not None:
            sides = tuple(side for side in sides if side.service in gated)
        if by == "service":
            return {side.service for side in sides}
        return {side.bu or UNOWNED for side in sides}


@dataclass(slots=True)
class _Draft:
    caller: Side
    callee: Side
    call: CallRef | None = None
    consumer: CallRef | None = None


def analyze(services: list[Service], policy: Policy) -> tuple[list[Pair], list[Problem]]:
    """Every pair of the estate with its status, and the findings of the call rules."""
    estate = Estate(services)
    hints = ServiceHints(estate.services)
    drafts: dict[tuple[str, str, str, str], _Draft] = {}
    pairs: list[Pair] = []
    problems: list[Problem] = []
    for service in estate.services.values():
        for op in service.operations:
            if not (op.calls or op.consumers):
                continue
            here = Side(service.id, op.key, op)  # the caller of its calls, the callee of its consumers
            for call in op.calls:
                outcome = _callee(estate, hints, here, call, problems)
                if isinstance(outcome, Pair):
                    pairs.append(outcome)
                    continue
                draft = _draft(drafts, here, outcome)
                if draft.call is not None:
                    problems.extend(_written_apart(draft.call, call, here, outcome))
                draft.call = draft.call or call
            for consumer in op.consumers:
                source = _caller(estate, hints, here, consumer, problems)
                if isinstance(source, Side):
                    draft = _draft(drafts, source, here)
                    if draft.consumer is not None:
                        problems.extend(_written_apart(draft.consumer, consumer, here, source))
                    draft.consumer = draft.consumer or consumer
                elif source is not None:
                    pairs.append(source)
    for draft in drafts.values():
        pair, found = _judge(draft, policy)
        pairs.append(pair)
        problems.extend(found)
    waiting = sync_calls(estate)
    problems.extend(budget_problems(waiting, policy))
    problems.extend(cycle_problems(waiting))
    pairs.sort(key=lambda p: (p.caller.service, p.caller.operation, p.callee.service, p.callee.operation))
    return pairs, problems


def _draft(drafts: dict[tuple[str, str, str, str], _Draft], caller: Side, callee: Side) -> _Draft:
    """The draft of the pair (caller, callee), begun if new."""
    key = caller.service, caller.operation, callee.service, callee.operation
    draft = drafts.get(key)
    if draft is None:
        draft = drafts[key] = _Draft(caller, callee)
    return draft


def _callee(
    estate: Estate, hints: ServiceHints, caller: Side, call: CallRef, problems: list[Problem]
) -> Side | Pair:
    """The callee side of an x-calls entry, or a finished pair when it cannot be resolved."""
    if call.service not in estate.services:
        problems.append(
            call_problem(
                CALL_OUT_OF_VIEW,
                call,
                caller,
                (
                    f'{caller.operation} calls service "{call.service}", which is not among the loaded specs;'
                    f" the pair is listed but not counted. {hints.for_missing(call.service)}"
                ),
            )
        )
        return _unfinished(caller, Side(call.service, call.operation), call, PairStatus.OUT_OF_VIEW)
    op = estate.operation(call.service, call.operation)
    if op is None:
        problems.append(
            call_problem(
                CALL_UNRESOLVED,
                call,
                caller,
                (
                    f'{caller.operation} calls "{call.operation}" of {call.service}, which has no such'
                    " operation (neither an operationId nor a METHOD /path template of it)"
                ),
            )
        )
        return _unfinished(caller, Side(call.service, call.operation), call, PairStatus.UNRESOLVED)
    return Side(call.service, op.key, op)


def _caller(
    estate: Estate, hints: ServiceHints, callee: Side, consumer: CallRef, problems: list[Problem]
) -> Side | Pair | None:
    """The caller side of an x-consumers entry, a pair when out of view, None when unresolved."""
    if consumer.service not in estate.services:
        problems.append(
            call_problem(
                CALL_OUT_OF_VIEW,
                consumer,
                callee,
                (
                    f'{callee.operation} lists consumer service "{consumer.service}", which is not among the'
                    " loaded specs; the pair is listed but not counted. "
                    + hints.for_missing(consumer.service)
                ),
            )
        )
        caller = Side(consumer.service, consumer.operation)
        return Pair(
            caller,
            callee,
            PairStatus.OUT_OF_VIEW,
            None,
            _commitment(callee.op),
            _text(consumer.budget),
            "sync",
            _entries(consumer),
        )
    op = estate.operation(consumer.service, consumer.operation)
    if op is None:
        problems.append(
            call_problem(
                CALL_UNRESOLVED,
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


def _written_apart(first: CallRef, later: CallRef, side: Side, other: Side) -> list[Problem]:
    """call-duplicate for a later entry naming, in other words, the operation an earlier one named.

    Entries written alike are the per-operation rule's; here one names an operationId and the
    other "METHOD /path", or one writes the path with basePath or a server's path before it.
    """
    if written_key(first) == written_key(later):
        return []
    message = (
        f'{side.operation} names {other.service} {other.operation} again as "{later.operation}"'
        f' (first as "{first.operation}"); only the first is judged'
    )
    if later.budget != first.budget:
        message += f" (its budget {_text(first.budget)}, not {_text(later.budget)})"
    return [call_problem(CALL_DUPLICATE, later, side, message + ": merge them into one")]


def _unfinished(caller: Side, callee: Side, call: CallRef, status: PairStatus) -> Pair:
    return Pair(caller, callee, status, _text(call.budget), None, None, call.mode, _entries(call))


def _judge(draft: _Draft, policy: Policy) -> tuple[Pair, list[Problem]]:
    """Status of a resolved pair, and the findings that explain a non-aligned one.

    A callee slower than the budget and an agreed value other than the budget are both
    reported when both hold (SPEC §5): the pair is one violated pair either way.
    """
    call, consumer, caller, callee = draft.call, draft.consumer, draft.caller, draft.callee
    commitment = _commitment(callee.op)
    agreed = _text(consumer.budget) if consumer is not None else None
    if call is None:
        assert consumer is not None
        pair = Pair(
            caller, callee, PairStatus.UNDECLARED, None, commitment, agreed, "sync", _entries(consumer)
        )
        return pair, [
            call_problem(
                CALL_NOT_DECLARED,
                consumer,
                callee,
                (
                    f"{callee.service} {callee.operation} lists {caller.service} {caller.operation} as a"
                    f" consumer, but {caller.service} does not declare the call in x-calls"
                ),
            )
        ]
    budget_ms = valid_ms(call.budget, policy)
    commitment_ms = callee.op.slo_ms if callee.op is not None else None
    status, problems = _status(draft, call, budget_ms, commitment_ms, policy)
    entries = _entries(call, consumer)
    return Pair(caller, callee, status, _text(call.budget), commitment, agreed, call.mode, entries), problems


def _status(
    draft: _Draft, call: CallRef, budget_ms: float | None, commitment_ms: float | None, policy: Policy
) -> tuple[PairStatus, list[Problem]]:
    """The status of a pair the caller declares, and the findings of a violated one."""
    consumer, caller, callee = draft.consumer, draft.caller, draft.callee
    if budget_ms is None or commitment_ms is None:
        return PairStatus.UNDECLARED, []  # the missing/invalid value has its own finding
    problems: list[Problem] = []
    if commitment_ms > budget_ms:
        problems.append(
            call_problem(
                SLO_MISALIGNED,
                call,
                caller,
                (
                    f"{caller.service} {caller.operation} allows {callee.service} {callee.operation}"
                    f" {format_millis(budget_ms)}, but it promises {format_millis(commitment_ms)}"
                ),
            )
        )
    agreed_ms = valid_ms(consumer.budget, policy) if consumer is not None else None
    if consumer is not None and agreed_ms is not None and agreed_ms != budget_ms:
        problems.append(
            call_problem(
                SLO_AGREEMENT_MISMATCH,
                consumer,
                callee,
                (
                    f"{callee.service} {callee.operation} agreed {_text(consumer.budget)} with"
                    f" {caller.service} {caller.operation}, which budgets {format_millis(budget_ms)}"
                    " for the call"
                ),
            )
        )
    if problems:
        return PairStatus.VIOLATED, problems
    if consumer is not None and consumer.budget is not None and agreed_ms is None:
        return PairStatus.UNDECLARED, []  # the invalid agreed value is call-invalid already
    if policy.require_bidirectional and consumer is None:
        return PairStatus.UNDECLARED, [
            call_problem(
                CONSUMER_NOT_LISTED,
                call,
                caller,
                (
                    f"{callee.service} {callee.operation} does not list {caller.service} {caller.operation}"
                    " in x-consumers (require-bidirectional)"
                ),
            )
        ]
    return PairStatus.ALIGNED, []


def _entries(*refs: CallRef | None) -> tuple[tuple[str, str], ...]:
    return tuple([(ref.file, ref.pointer) for ref in refs if ref is not None])


def _commitment(op: Operation | None) -> str | None:
    return _text(op.slo.value) if op is not None and op.slo is not None else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)
