"""`graph --format dot`: the call graph in Graphviz DOT (render with `dot -Tsvg`)."""

from __future__ import annotations

from contract_gate.engine.run import Report
from contract_gate.outputs.formatters.graph_model import STYLES, Graph, Group, build_graph, empty_note

_FONT = '"Helvetica,Arial,sans-serif"'
_PLACEHOLDER = 'style="rounded,dashed", color="#9e9e9e", fontcolor="#616161"'  # not there, or not loaded


def render(report: Report, bu: str | None = None) -> str:
    """One cluster per service, one node per operation in a pair, one edge per pair, and a legend."""
    graph = build_graph(report, bu)
    lines = [
        "digraph contract_gate {",
        f"  graph [rankdir=LR, fontname={_FONT}, fontsize=11, newrank=true];",
        f'  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname={_FONT}, fontsize=10];',
        f"  edge [fontname={_FONT}, fontsize=9];",
    ]
    for group in graph.groups:
        lines.extend(_group(group))
    lines.extend(
        f"  {edge.source} -> {edge.target} [{_edge_attributes(edge.status, edge.label)}];"
        for edge in graph.edges
    )
    if not graph.edges:
        lines.append(f"  n0 [label={_q(empty_note(bu))}, shape=plaintext];")
    lines.extend(_legend(graph))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _group(group: Group) -> list[str]:
    style = _PLACEHOLDER if group.outside else 'style="rounded,filled", fillcolor="#f4f6f8", color="#90a4ae"'
    lines = [f"  subgraph cluster_{group.id} {{", f"    graph [label={_q(group.label)}, {style}];"]
    for node in group.nodes:
        label = _q("\n".join(node.lines))
        lines.append(f"    {node.id} [label={label}{', ' + _PLACEHOLDER if node.placeholder else ''}];")
    lines.append("  }")
    return lines


def _edge_attributes(status: str, label: str) -> str:
    colour, line = STYLES[status]
    width = "2.2" if status == "violated" else "1.4"
    attributes = [f"color={_q(colour)}", f"fontcolor={_q(colour)}", f"style={line}", f"penwidth={width}"]
    attributes.append(f"class={_q('status-' + status)}")
    if label:
        attributes.insert(0, f"label={_q(label)}")
    return ", ".join(attributes)


def _legend(graph: Graph) -> list[str]:
    if not graph.statuses:
        return []
    lines = ["  subgraph cluster_legend {", '    graph [label="Legend", style="rounded", color="#bdbdbd"];']
    for number, status in enumerate(graph.statuses, 1):
        source, target = f"l{2 * number - 1}", f"l{2 * number}"
        lines.append(f'    {source} [shape=point, width=0.05, color="#9e9e9e"];')
        lines.append(f'    {target} [shape=point, width=0.05, color="#9e9e9e"];')
        lines.append(f"    {source} -> {target} [{_edge_attributes(status, status)}];")
    lines.append("  }")
    return lines


def _q(text: str) -> str:
    r"""A DOT quoted string: `\` and `"` escaped, line breaks as `\n`, other control characters as spaces."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return '"' + "".join(c if c >= " " else " " for c in escaped) + '"'
