"""The places estate rules cite (`Rule.cites`), listed per spec so its file check locates them.

Estate findings are judged after every file is checked, in the main process, where the
files' positions are gone: each file check locates these places first. A rule citing a
place this module does not list would land at 1:1; a test holds every cited place located.
"""

from __future__ import annotations

from contract_gate.estate.rules import ESTATE_RULES
from contract_gate.rules import Cite
from contract_gate.spec.model import Operation, Service

CITED: frozenset[Cite] = frozenset(cite for rule in ESTATE_RULES for cite in rule.cites)


def calls_pointer(op: Operation) -> str:
    """Where an operation's x-calls list is (`Cite.CALLS`)."""
    return op.pointer + "/x-calls"  # jp.child(op.pointer, "x-calls"): the name needs no escaping


def anchor_pointers(service: Service) -> list[tuple[str, str]]:
    """(file, pointer) of every place of this spec an estate finding may point at (`CITED`).

    Run for every spec checked: dozens of places each, so written out rather than per cite.
    """
    lists, entries, budgets = (cite in CITED for cite in (Cite.CALLS, Cite.CALL_ENTRY, Cite.CALL_BUDGET))
    places: list[tuple[str, str]] = []
    for op in service.operations:
        if lists and op.calls:
            places.append((op.file, calls_pointer(op)))
        for entry in op.calls + op.consumers:
            if entries:
                places.append((entry.file, entry.pointer))
            if budgets:
                places.append((entry.file, entry.budget_pointer))
    return places
