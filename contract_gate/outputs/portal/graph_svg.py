"""The call graph of the index as an SVG picture, laid out here at build time (no library, no service).

The same graph as `graph --format dot|mermaid` (`graph_model`): a box per service holding its
operations that take part in a pair, one curve per pair from caller to callee, coloured and
dashed by status. Services are placed in columns by their depth in the call graph (callers
left of callees; cycles broken where they close), at most MAX_COLUMNS of them, and ordered in
a column next to the services that call them. Every text is escaped; each box and operation
links to its page, each curve has a tooltip with its budget and commitment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from contract_gate.outputs.formatters.graph_model import STYLES, Graph, Group

MAX_COLUMNS = 10
NODE_W, NODE_H, HEADER_H, PAD = 250, 24, 26, 8
COLUMN_GAP, GROUP_GAP, MARGIN, LEGEND_H = 120, 18, 16, 34
_MAX_LABEL = 38  # characters of a label that fit in a node
_DASHES = {"solid": "", "dashed": "6 4", "dotted": "2 3"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class _Box:
    x: float
    y: float
    group: Group


def render_svg(graph: Graph, links: Mapping[str, str], node_links: Mapping[str, str]) -> str:
    """The picture of `graph`; `links` maps a group id to its page, `node_links` a node id to its place."""
    boxes = _place(graph)
    ends = {node.id: (box, index) for box in boxes.values() for index, node in enumerate(box.group.nodes)}
    width = max((box.x + NODE_W for box in boxes.values()), default=NODE_W) + MARGIN + 60
    height = max((box.y + _height(box.group) for box in boxes.values()), default=0) + MARGIN
    size = (
        f'width="{width:.0f}" height="{max(height, 80):.0f}" viewBox="0 0 {width:.0f} {max(height, 80):.0f}"'
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} font-family="system-ui, sans-serif" font-size="11">',
        "<title>Call graph: services and the pairs between their operations</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    parts.extend(_legend(graph))
    parts.extend(_edge(ends[edge.source], ends[edge.target], edge.status, edge.label) for edge in graph.edges)
    for box in boxes.values():
        parts.extend(_group(box, links.get(box.group.id), node_links))
    if not graph.edges:
        parts.append(f'<text x="{MARGIN}" y="{LEGEND_H + 30}">no calls between the loaded services</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _height(group: Group) -> float:
    return HEADER_H + len(group.nodes) * (NODE_H + 4) + PAD


def _place(graph: Graph) -> dict[str, _Box]:
    """Each group's box: column by call depth (folded into MAX_COLUMNS), stacked in order."""
    group_of = {node.id: group.id for group in graph.groups for node in group.nodes}
    calls: dict[str, list[str]] = {group.id: [] for group in graph.groups}
    for edge in graph.edges:
        source, target = group_of[edge.source], group_of[edge.target]
        if source != target and target not in calls[source]:
            calls[source].append(target)
    depth = _depths([group.id for group in graph.groups], calls)
    deepest = max(depth.values(), default=0)
    column = {
        gid: d if deepest < MAX_COLUMNS else d * MAX_COLUMNS // (deepest + 1) for gid, d in depth.items()
    }
    callers: dict[str, list[str]] = {gid: [] for gid in calls}
    for source, targets in calls.items():
        for target in targets:
            callers[target].append(source)
    boxes: dict[str, _Box] = {}
    row: dict[str, float] = {}  # a group's position in its column, for ordering the next columns
    by_id = {group.id: group for group in graph.groups}
    for col in range(max(column.values(), default=-1) + 1):
        members = [gid for gid in calls if column[gid] == col]
        members.sort(key=lambda gid: (_mean([row[c] for c in callers[gid] if c in row]), by_id[gid].label))
        y = float(MARGIN + LEGEND_H)
        for index, gid in enumerate(members):
            row[gid] = index
            boxes[gid] = _Box(MARGIN + col * (NODE_W + 2 * PAD + COLUMN_GAP), y, by_id[gid])
            y += _height(by_id[gid]) + GROUP_GAP
    return boxes


def _depths(order: list[str], calls: Mapping[str, list[str]]) -> dict[str, int]:
    """Longest path from a group nobody calls, ignoring the calls that close a cycle."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    topo: list[str] = []
    back: set[tuple[str, str]] = set()
    for start in order:
        if start in state:
            continue
        stack = [(start, iter(calls[start]))]
        state[start] = 1
        while stack:
            node, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                stack.pop()
                state[node] = 2
                topo.append(node)
            elif state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(calls[target])))
    depth = dict.fromkeys(order, 0)
    for node in reversed(topo):
        for target in calls[node]:
            if (node, target) not in back:
                depth[target] = max(depth[target], depth[node] + 1)
    return depth


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("inf")


def _anchor(box: _Box, index: int, right: bool) -> tuple[float, float]:
    y = box.y + HEADER_H + index * (NODE_H + 4) + NODE_H / 2
    return (box.x + PAD + NODE_W if right else box.x + PAD), y


def _edge(source: tuple[_Box, int], target: tuple[_Box, int], status: str, label: str) -> str:
    colour, line = STYLES[status]
    x1, y1 = _anchor(*source, right=True)
    if target[0].x > source[0].x:
        x2, y2 = _anchor(*target, right=False)
        bend = (x2 - x1) / 2
        path = f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:  # same column or to the left: a loop out on the right, into the callee's right side
        x2, y2 = _anchor(*target, right=True)
        out = max(x1, x2) + 40 + min(abs(y2 - y1) / 8, 40)
        path = f"M{x1:.1f},{y1:.1f} C{out:.1f},{y1:.1f} {out:.1f},{y2:.1f} {x2 + 6:.1f},{y2:.1f}"
    dash = f' stroke-dasharray="{_DASHES[line]}"' if _DASHES[line] else ""
    width = "2.2" if status == "violated" else "1.4"
    tip = _text(f"{status}: {label}" if label else status)
    return (
        f'<path class="pair status-{status}" d="{path}" fill="none" stroke="{colour}"'
        f' stroke-width="{width}"{dash} marker-end="url(#arrow-{status})"><title>{tip}</title></path>'
    )


def _group(box: _Box, link: str | None, node_links: Mapping[str, str]) -> list[str]:
    group = box.group
    fill, stroke = ("#fafafa", "#9e9e9e") if group.outside else ("#f4f6f8", "#90a4ae")
    dash = ' stroke-dasharray="4 3"' if group.outside else ""
    title = _text(_short(group.label, _MAX_LABEL))
    heading = f'<text x="{box.x + PAD}" y="{box.y + 17}" font-weight="600">{title}</text>'
    if link is not None:
        heading = f"<a href={quoteattr(link)}>{heading}</a>"
    parts = [
        f'<g class="service"><title>{_text(group.label)}</title>',
        f'<rect x="{box.x}" y="{box.y}" width="{NODE_W + 2 * PAD}" height="{_height(group)}" rx="6"'
        f' fill="{fill}" stroke="{stroke}"{dash}/>',
        heading,
    ]
    for index, node in enumerate(group.nodes):
        y = box.y + HEADER_H + index * (NODE_H + 4)
        colour = "#9e9e9e" if node.placeholder else "#607d8b"
        dashed = ' stroke-dasharray="3 2"' if node.placeholder else ""
        text = _text(_short(" · ".join(node.lines), _MAX_LABEL))
        element = (
            f'<rect x="{box.x + PAD}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="4" fill="#ffffff"'
            f' stroke="{colour}"{dashed}/>'
            f'<text x="{box.x + PAD + 6}" y="{y + 16}">{text}</text>'
        )
        target = node_links.get(node.id)
        if target is not None:
            element = f"<a href={quoteattr(target)}>{element}</a>"
        parts.append(f"<g><title>{_text(chr(10).join(node.lines))}</title>{element}</g>")
    parts.append("</g>")
    return parts


def _legend(graph: Graph) -> list[str]:
    parts = ["<defs>"]
    for status, (colour, _line) in STYLES.items():
        parts.append(
            f'<marker id="arrow-{status}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
            f' markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    x = float(MARGIN)
    for status in graph.statuses:
        colour, line = STYLES[status]
        dash = f' stroke-dasharray="{_DASHES[line]}"' if _DASHES[line] else ""
        parts.append(
            f'<g class="legend"><line x1="{x}" y1="{MARGIN + 6}" x2="{x + 34}" y2="{MARGIN + 6}"'
            f' stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{x + 40}" y="{MARGIN + 10}" fill="{colour}">{status}</text></g>'
        )
        x += 60 + 7 * len(status)
    return parts


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(text: str) -> str:
    """Text for an SVG element: escaped, characters XML cannot hold replaced."""
    return escape(_NOT_XML.sub("\ufffd", text))
