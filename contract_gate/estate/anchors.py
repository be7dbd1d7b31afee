"""The places estate rules cite (`Rule.cites`), listed per spec so its file check locates them.

Estate findings are judged after every file is checked, in the main process, where the
files' positions are gone: each file check locates these places first. A rule citing a
place this module does not list would land at 1:1; a test holds every cited place located.
"""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.estate.rules import ESTATE_RULES
from contract_gate.load import pointer as jp
from contract_gate.rules import Cite
from contract_gate.spec.model import Operation, Service

CITED: frozenset[Cite] = frozenset(cite for rule in ESTATE_RULES for cite in rule.cites)


def calls_pointer(op: Operation) -> str:
    """Where an operation's x-calls list is (`Cite.CALLS`)."""
    return jp.child(op.pointer, "x-calls")


def cited_places(op: Operation, cite: Cite) -> Iterator[tuple[str, str]]:
    """(file, pointer) of every place of `op` that `cite` names."""
    if cite is Cite.CALLS:
        if op.calls:
            yield op.file, calls_pointer(op)
        return
    for entry in (*op.calls, *op.consumers):
        yield entry.file, entry.budget_pointer if cite is Cite.CALL_BUDGET else entry.pointer


def anchor_pointers(service: Service) -> set[tuple[str, str]]:
    """(file, pointer) of everything an estate finding about this spec may point at."""
    return {place for op in service.operations for cite in CITED for place in cited_places(op, cite)}
