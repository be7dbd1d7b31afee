"""The call graph that `graph --format mermaid|dot` draw: which pairs, which nodes, which labels.

Both formats draw the same picture: one group per service, one node per operation that
takes part in at least one pair (so big estates stay readable), one edge per pair, caller
to callee. A callee a service does not have is a placeholder node in that service's group;
a service that was not loaded is a group of its own, "(out of view)". Node and group ids
are generated (n1, s1, ...): text from the specs only ever appears in labels, which each
format escapes its own way.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_gate.engine.run import Report
from contract_gate.estate.alignment import Pair, PairStatus
from contract_gate.estate.pairs import Side
from contract_gate.extensions.values import slo_millis

STATUSES = tuple(PairStatus)
OUT_OF_VIEW = "(out of view)"

# status -> (colour, line): solid | dashed | dotted
STYLES: dict[str, tuple[str, str]] = {
    "aligned": ("#2e7d32", "solid"),
    "violated": ("#c62828", "solid"),
    "undeclared": ("#ef6c00", "dashed"),
    "unresolved": ("#757575", "dashed"),
    "out-of-view": ("#9e9e9e", "dotted"),
}

_OPERATION, _MISSING, _OUTSIDE = 0, 1, 2  # kinds of node, in the order they are listed
_NodeKey = tuple[int, str, tuple[str, ...]]  # (kind, service, label lines)


@dataclass(frozen=True, slots=True)
class Node:
    """An operation (or a placeholder for one that is not there) and its label lines."""

    id: str
    lines: tuple[str, ...]
    placeholder: bool


@dataclass(frozen=True, slots=True)
class Group:
    """A service and its nodes; `outside` is the group of services not among the loaded specs."""

    id: str
    label: str
    nodes: tuple[Node, ...]
    outside: bool


@dataclass(frozen=True, slots=True)
class Edge:
    """One pair, from the caller's node to the callee's."""

    source: str
    target: str
    status: str
    label: str


@dataclass(frozen=True, slots=True)
class Graph:
    """Groups in a stable order (services by id, out of view last) and the edges."""

    groups: tuple[Group, ...]
    edges: tuple[Edge, ...]

    @property
    def statuses(self) -> tuple[str, ...]:
        """The statuses drawn, in legend order."""
        used = {edge.status for edge in self.edges}
        return tuple(status for status in STATUSES if status in used)


def select_pairs(pairs: list[Pair], bu: str | None = None) -> list[Pair]:
    """The pairs to draw: all, or those whose caller or callee is owned by `bu`."""
    if bu is None:
        return list(pairs)
    return [pair for pair in pairs if bu in (pair.caller.bu, pair.callee.bu)]


def build_graph(report: Report, bu: str | None = None) -> Graph:
    """The graph of the report's pairs (only those of `bu` when given)."""
    loaded = {service.id for service in report.services}
    pairs = select_pairs(report.pairs, bu)
    members: dict[tuple[bool, str], set[_NodeKey]] = {}
    for side in (side for pair in pairs for side in (pair.caller, pair.callee)):
        key = _key(side, loaded)
        outside = key[0] == _OUTSIDE
        members.setdefault((outside, OUT_OF_VIEW if outside else side.service), set()).add(key)
    ids: dict[_NodeKey, str] = {}
    groups: list[Group] = []
    for number, ((outside, label), keys) in enumerate(sorted(members.items()), 1):
        nodes: list[Node] = []
        for key in sorted(keys):
            ids[key] = f"n{len(ids) + 1}"
            nodes.append(Node(ids[key], key[2], key[0] != _OPERATION))
        groups.append(Group(f"s{number}", label, tuple(nodes), outside))
    edges = tuple(
        Edge(ids[_key(pair.caller, loaded)], ids[_key(pair.callee, loaded)], pair.status, edge_label(pair))
        for pair in pairs
    )
    return Graph(tuple(groups), edges)


def empty_note(bu: str | None) -> str:
    """What a graph without edges says instead."""
    return "no calls between the loaded services" + (f" for BU {bu}" if bu is not None else "")


def _key(side: Side, loaded: set[str]) -> _NodeKey:
    """What makes two sides the same node."""
    if side.op is not None:
        op = side.op
        return _OPERATION, side.service, (op.key, op.operation_id) if op.operation_id else (op.key,)
    if side.service in loaded:
        return _MISSING, side.service, (side.operation, "(no such operation)")
    return _OUTSIDE, side.service, (side.service, side.operation)


def edge_label(pair: Pair) -> str:
    """Budget against commitment ("300ms ≥ 250ms"), a differing agreed value, and `async`."""
    parts: list[str] = []
    budget, commitment = pair.budget, pair.commitment
    if budget is not None and commitment is not None:
        b, c = slo_millis(budget), slo_millis(commitment)
        relation = "vs" if b is None or c is None else "≥" if b >= c else "<"
        parts.append(f"{budget} {relation} {commitment}")
    elif pair.status in ("unresolved", "out-of-view"):
        parts.extend(value for value in (budget, commitment) if value is not None)
    elif budget is not None or commitment is not None:
        parts.append(f"{budget or '?'} vs {commitment or '?'}")
    if pair.agreed is not None and not _same(pair.agreed, budget):
        parts.append(f"agreed {pair.agreed}")
    if pair.mode == "async":
        parts.append("async")
    if not pair.counts:
        parts.append("internal, not counted")
    return ", ".join(parts)


def _same(agreed: str, budget: str | None) -> bool:
    """The agreed value is the budget: written alike, or the same duration ("0.3s" and "300ms")."""
    millis = slo_millis(agreed)
    return agreed == budget or (millis is not None and millis == slo_millis(budget))
