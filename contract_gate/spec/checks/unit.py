"""What an operation rule module provides: its rule and the function that checks it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from contract_gate.config.policy import Policy
from contract_gate.findings import Problem
from contract_gate.rules import Rule
from contract_gate.spec.model import Operation, Service


class OperationCheck(NamedTuple):
    """A rule and the function that yields its problems in one spec."""

    rule: Rule
    check: Callable[[Service, Policy], Iterator[Problem]]


def shown(op: Operation) -> str:
    """How a message names an operation: its key, and its operationId when it has one."""
    return f"{op.key} ({op.operation_id})" if op.operation_id else op.key
