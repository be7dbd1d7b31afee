"""`graph --format mermaid`: the call graph as a Mermaid flowchart (GitHub and GitLab render it)."""

from __future__ import annotations

from contract_gate.engine.run import Report
from contract_gate.outputs.formatters.graph_model import STYLES, Graph, Group, build_graph, empty_note

# Mermaid has one broken-line arrow; linkStyle's dash pattern tells dashed from dotted.
_ARROWS = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}
_DASHES = {"solid": "", "dashed": ",stroke-dasharray:6 4", "dotted": ",stroke-dasharray:1 4"}
# Mermaid's entity codes: quotes cannot be backslash-escaped in a label, and `<`, `>`, `&`
# would be read as HTML; `#` starts an entity code itself, a backtick a Markdown string.
_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}


def render(report: Report, bu: str | None = None) -> str:
    """One subgraph per service, one node per operation in a pair, one link per pair, and a legend."""
    graph = build_graph(report, bu)
    lines = ["flowchart LR"]
    for group in graph.groups:
        lines.extend(_group(group))
    links: dict[str, list[int]] = {}  # status -> indexes of its links, for linkStyle
    for index, edge in enumerate(graph.edges):
        links.setdefault(edge.status, []).append(index)
        label = f'|"{_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {_arrow(edge.status)}{label} {edge.target}")
    if not graph.edges:
        lines.append(f'  n0["{_text(empty_note(bu))}"]')
    lines.extend(_legend(graph, links))
    for status, indexes in links.items():
        lines.append(f"  linkStyle {','.join(map(str, indexes))} {_link_style(status)}")
    placeholders = [node.id for group in graph.groups for node in group.nodes if node.placeholder]
    if placeholders:
        lines.append("  classDef placeholder fill:#fafafa,stroke:#9e9e9e,stroke-dasharray:4 3,color:#616161")
        lines.append(f"  class {','.join(placeholders)} placeholder")
    return "\n".join(lines) + "\n"


def _group(group: Group) -> list[str]:
    lines = [f'  subgraph {group.id}["{_text(group.label)}"]']
    lines.extend(f'    {node.id}["{"<br>".join(map(_text, node.lines))}"]' for node in group.nodes)
    lines.append("  end")
    if group.outside:
        lines.append(f"  style {group.id} fill:#fafafa,stroke:#9e9e9e,stroke-dasharray:4 3")
    return lines


def _legend(graph: Graph, links: dict[str, list[int]]) -> list[str]:
    if not graph.statuses:
        return []
    lines = ['  subgraph legend["Legend"]', "    direction LR"]
    count = len(graph.edges)
    for number, status in enumerate(graph.statuses, 1):
        source, target = f"l{2 * number - 1}", f"l{2 * number}"
        lines.append(f'    {source}[" "] {_arrow(status)}|"{status}"| {target}[" "]')
        links[status].append(count)
        count += 1
    lines.append("  end")
    ids = ",".join(f"l{number}" for number in range(1, 2 * len(graph.statuses) + 1))
    lines.append("  classDef legendEnd fill:none,stroke:none")
    lines.append(f"  class {ids} legendEnd")
    return lines


def _arrow(status: str) -> str:
    return "==>" if status == "violated" else _ARROWS[STYLES[status][1]]


def _link_style(status: str) -> str:
    colour, line = STYLES[status]
    width = "3px" if status == "violated" else "2px"
    return f"stroke:{colour},stroke-width:{width},color:{colour}{_DASHES[line]}"


def _text(text: str) -> str:
    """Text for a quoted Mermaid label: special characters as entity codes, no line breaks."""
    return "".join(_ENTITIES.get(c, c if c >= " " else " ") for c in text)
