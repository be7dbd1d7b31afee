"""`contract-gate graph`: DOT rendered by Graphviz, Mermaid read back by the real Mermaid parser.

Nothing here is string matching on our own output: the DOT goes through `dot -Tsvg` and the
assertions read the SVG; the Mermaid goes through `mermaid.parse` (npm `mermaid`, run by
tests/mermaid_parse.mjs under node) and the assertions read what Mermaid understood.
`make test-deps` installs both tools; without them these tests skip, except in CI, where
a missing tool is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import REPO, SAMPLES, invoke

ESTATE = SAMPLES / "estate"
NODE_MODULES = Path(os.environ.get("MERMAID_NODE_MODULES", REPO / ".cache" / "node" / "node_modules"))
MERMAID_PARSE = REPO / "tests" / "mermaid_parse.mjs"
SVG = "{http://www.w3.org/2000/svg}"

# Service ids, paths and operation ids with everything that breaks a naive diagram.
WEB = 'web/"front" {edge}-1'
PAY = "pay#ments & <co> \\ end"
OPS = "back`tick`-svc|pipe"
GHOST = 'ghost "svc" <b>x</b>'


def _spec(service: str, owner: str, paths: dict[str, Any]) -> str:
    info = {"title": "t", "version": "1", "x-service": service, "x-bu-owner": owner}
    return json.dumps({"openapi": "3.0.3", "info": info, "paths": paths}, indent=1)


def _op(operation_id: str, slo: str | None = None, **extensions: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": operation_id, "responses": {"200": {"description": "ok"}}}
    if slo is not None:
        op["x-slo-p99"] = slo
    op.update({f"x-{name}": value for name, value in extensions.items()})
    return op


@pytest.fixture
def every_status(in_tmp: Path) -> Path:
    """A small estate with one pair of each status, and hostile names everywhere."""
    specs = in_tmp / "specs"
    specs.mkdir()
    calls = [
        {"service": PAY, "operation": "getThing", "x-slo-p99": "300ms"},  # aligned
        {"service": PAY, "operation": "slowThing", "x-slo-p99": "100ms"},  # violated
        {"service": PAY, "operation": "bareThing", "x-slo-p99": "100ms"},  # undeclared: no SLO
        {"service": PAY, "operation": "noSuch|Op<x>", "x-slo-p99": "100ms"},  # unresolved
        {"service": GHOST, "operation": "GET /ghost/{id}", "x-slo-p99": "90ms", "mode": "async"},
    ]
    web = {"/v1/orders/{id}": {"post": _op('place"Order"', "2s", calls=calls)}}
    agreed = [{"service": WEB, "operation": 'place"Order"', "x-slo-p99": "300ms"}]
    listed = [{"service": OPS, "operation": "callsNothing", "x-slo-p99": "200ms"}]
    pay = {
        "/things": {"get": _op("getThing", "250ms", consumers=agreed)},
        "/slow": {"get": _op("slowThing", "250ms")},
        "/bare": {"get": _op("bareThing")},
        "/listed/{a}\"b'": {"get": _op("listed", "100ms", consumers=listed)},  # undeclared by OPS
    }
    (specs / "web.json").write_text(_spec(WEB, "ECOM-BU", web))
    (specs / "pay.json").write_text(_spec(PAY, "PAY-BU", pay))
    (specs / "ops.json").write_text(_spec(OPS, "OPS-BU", {"/c": {"get": _op("callsNothing", "1s")}}))
    return specs


# What the every-status estate must draw: (caller label, callee label, edge label, status).
EVERY_STATUS_EDGES = {
    ('POST /v1/orders/{id}\nplace"Order"', "GET /things\ngetThing", "300ms ≥ 250ms", "aligned"),
    ('POST /v1/orders/{id}\nplace"Order"', "GET /slow\nslowThing", "100ms < 250ms", "violated"),
    ('POST /v1/orders/{id}\nplace"Order"', "GET /bare\nbareThing", "100ms vs ?", "undeclared"),
    ("GET /c\ncallsNothing", "GET /listed/{a}\"b'\nlisted", "? vs 100ms, agreed 200ms", "undeclared"),
    ('POST /v1/orders/{id}\nplace"Order"', "noSuch|Op<x>\n(no such operation)", "100ms", "unresolved"),
    ('POST /v1/orders/{id}\nplace"Order"', f"{GHOST}\nGET /ghost/{{id}}", "90ms, async", "out-of-view"),
}
EVERY_STATUS_GROUPS = {
    WEB: {'POST /v1/orders/{id}\nplace"Order"'},
    PAY: {
        "GET /things\ngetThing",
        "GET /slow\nslowThing",
        "GET /bare\nbareThing",
        "GET /listed/{a}\"b'\nlisted",
        "noSuch|Op<x>\n(no such operation)",
    },
    OPS: {"GET /c\ncallsNothing"},
    "(out of view)": {f"{GHOST}\nGET /ghost/{{id}}"},
}
ESTATE_EDGES = {
    ("POST /v1/orders\ncreateOrder", "GET /v1/products/{productId}\ngetProduct", "150ms ≥ 120ms"),
    ("POST /v1/orders\ncreateOrder", "POST /v1/reservations\nreserveStock", "200ms ≥ 150ms"),
    ("POST /v1/orders\ncreateOrder", "POST /v1/messages\nsendMessage", "2s ≥ 1.5s, async"),
    ("POST /v1/orders\ncreateOrder", "POST /v1/payments\ncreatePayment", "300ms ≥ 250ms"),
    ("POST /v1/payments\ncreatePayment", "POST /oauth2/introspect\nintrospectToken", "50ms ≥ 40ms"),
    ("POST /v1/shipments\ncreateShipment", "GET /v1/stock/{sku}\ngetStockLevel", "200ms ≥ 100ms"),
    ("POST /v1/shipments\ncreateShipment", "POST /v1/messages\nsendMessage", "2s ≥ 1.5s, async"),
}
SERVICES = {
    "order-service",
    "payment-service",
    "inventory-service",
    "catalog-service",
    "identity-service",
    "notification-service",
    "shipping-service",
}
COLOURS = {
    "aligned": "#2e7d32",
    "violated": "#c62828",
    "undeclared": "#ef6c00",
    "unresolved": "#757575",
    "out-of-view": "#9e9e9e",
}


def _need(tool: str, present: bool) -> None:
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is missing in CI: `make test` installs it (target test-deps)")
    pytest.skip(f"{tool} is not installed (run `make test-deps`)")


def graph(*args: str | Path) -> str:
    result = invoke("graph", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


# --- DOT, through Graphviz ------------------------------------------------------------------


class Drawn(NamedTuple):
    """An edge as Graphviz drew it (the legend's have no caller or callee label)."""

    caller: str
    callee: str
    label: str
    status: str
    colour: str
    dashes: str  # SVG stroke-dasharray: "" (solid), "5,2" (dashed), "1,5" (dotted)


@dataclass
class Svg:
    """What `dot -Tsvg` drew: clusters and nodes by label, edges by node labels."""

    clusters: dict[str, tuple[float, float, float, float]]  # label -> bounding box
    nodes: dict[str, tuple[float, float]]  # label -> where its text is
    edges: list[Drawn]

    def members(self, cluster: str) -> set[str]:
        x0, y0, x1, y1 = self.clusters[cluster]
        return {label for label, (x, y) in self.nodes.items() if x0 <= x <= x1 and y0 <= y <= y1}

    def pairs(self) -> list[Drawn]:
        return [edge for edge in self.edges if edge.caller]


def render_svg(dot_text: str) -> Svg:
    _need("Graphviz dot", shutil.which("dot") is not None)
    done = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # not even a warning
    svg = Svg({}, {}, [])
    labels: dict[str, str] = {}  # node id -> label
    edges: list[tuple[str, str, str, ET.Element | None]] = []  # "n1->n2", label, class, path
    for group in ET.fromstring(done.stdout).iter(f"{SVG}g"):
        kind, title = group.get("class", ""), group.findtext(f"{SVG}title", "")
        texts = list(group.iter(f"{SVG}text"))
        text = "\n".join(t.text or "" for t in texts)
        if kind == "cluster":
            shape = next(e for e in group if e.tag in (f"{SVG}path", f"{SVG}polygon"))
            points = re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points", ""))
            xs, ys = [float(x) for x in points[0::2]], [float(y) for y in points[1::2]]
            svg.clusters[text] = (min(xs), min(ys), max(xs), max(ys))
        elif kind == "node":
            labels[title] = text
            if texts:
                svg.nodes[text] = (float(texts[0].get("x", 0)), float(texts[0].get("y", 0)))
        elif kind.startswith("edge"):
            edges.append((title, text, kind.removeprefix("edge").strip(), group.find(f"{SVG}path")))
    for title, text, kind, path in edges:
        source, target = title.split("->")
        stroke = path.get("stroke", "") if path is not None else ""
        dashes = path.get("stroke-dasharray", "") if path is not None else ""
        status = kind.removeprefix("status-")
        svg.edges.append(Drawn(labels[source], labels[target], text, status, stroke, dashes))
    return svg


def test_dot_of_the_sample_estate_renders_every_pair() -> None:
    svg = render_svg(graph(ESTATE, "--format", "dot"))
    assert {(e.caller, e.callee, e.label) for e in svg.pairs()} == ESTATE_EDGES
    assert {(e.status, e.colour, e.dashes) for e in svg.edges} == {("aligned", COLOURS["aligned"], "")}
    assert len(svg.edges) == len(ESTATE_EDGES) + 1  # and the legend's
    assert set(svg.clusters) == SERVICES | {"Legend"}
    assert svg.members("order-service") == {"POST /v1/orders\ncreateOrder"}
    assert svg.members("inventory-service") == {
        "GET /v1/stock/{sku}\ngetStockLevel",
        "POST /v1/reservations\nreserveStock",
    }
    # Only operations in a pair are drawn: listOrders (no calls) is not.
    assert not any("listOrders" in label for label in svg.nodes)


def test_dot_of_every_status_with_hostile_names(every_status: Path) -> None:
    svg = render_svg(graph(every_status, "--format", "dot"))
    assert {(e.caller, e.callee, e.label, e.status) for e in svg.pairs()} == EVERY_STATUS_EDGES
    dashes = {"aligned": "", "violated": "", "undeclared": "5,2", "unresolved": "5,2", "out-of-view": "1,5"}
    assert all(e.colour == COLOURS[e.status] and e.dashes == dashes[e.status] for e in svg.edges)
    assert {e.label for e in svg.edges if not e.caller} == set(COLOURS)  # the legend
    for service, members in EVERY_STATUS_GROUPS.items():
        assert svg.members(service) == members, service


def test_dot_escapes_quotes_and_backslashes() -> None:
    from contract_gate.outputs.formatters.graph_dot import _q

    assert _q('a "b" \\N c\nd\te') == '"a \\"b\\" \\\\N c\\nd e"'


# --- Mermaid, through mermaid.parse ---------------------------------------------------------


def mermaid(text: str) -> subprocess.CompletedProcess[str]:
    _need("node", shutil.which("node") is not None)
    _need("npm mermaid", (NODE_MODULES / "mermaid" / "package.json").is_file())
    command = ["node", str(MERMAID_PARSE)]
    env = {**os.environ, "MERMAID_NODE_MODULES": str(NODE_MODULES)}
    return subprocess.run(
        command, input=text, capture_output=True, text=True, check=False, env=env, timeout=120
    )


def parsed(text: str) -> dict[str, Any]:
    done = mermaid(text)
    assert done.returncode == 0, done.stderr + "\n" + text
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["diagramType"] == "flowchart-v2"
    return result


def _links(result: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    label = {node["id"]: node["label"] for node in result["nodes"]}
    return {
        (label[link["start"]], label[link["end"]], link["label"], _stroke(link["style"]))
        for link in result["links"]
        if not link["start"].startswith("l")
    }


def _stroke(style: list[str]) -> str:
    return next(s.removeprefix("stroke:") for s in style if s.startswith("stroke:"))


def _groups(result: dict[str, Any]) -> dict[str, set[str]]:
    title = {node["id"]: node["label"] for node in result["nodes"] if node["isGroup"]}
    groups: dict[str, set[str]] = {name: set() for name in title.values()}
    for node in result["nodes"]:
        if not node["isGroup"] and node["parent"] in title:
            groups[title[node["parent"]]].add(node["label"])
    return groups


def test_mermaid_of_the_sample_estate_parses() -> None:
    result = parsed(graph(ESTATE))
    assert _links(result) == {(*edge, COLOURS["aligned"]) for edge in ESTATE_EDGES}
    groups = _groups(result)
    assert groups["order-service"] == {"POST /v1/orders\ncreateOrder"}
    assert set(groups) == SERVICES | {"Legend"}


def test_mermaid_of_every_status_with_hostile_names(every_status: Path) -> None:
    result = parsed(graph(every_status, "--format", "mermaid"))
    assert _links(result) == {(*edge[:3], COLOURS[edge[3]]) for edge in EVERY_STATUS_EDGES}
    patterns = {link["label"]: link["pattern"] for link in result["links"]}
    assert patterns["300ms ≥ 250ms"] == "normal"
    assert patterns["100ms < 250ms"] == "thick"
    assert patterns["100ms vs ?"] == patterns["100ms"] == patterns["90ms, async"] == "dotted"
    dashes = {link["label"]: " ".join(link["style"]) for link in result["links"]}
    assert "stroke-dasharray:1 4" in dashes["90ms, async"]  # out of view: dotted, not dashed
    groups = _groups(result)
    for service, members in EVERY_STATUS_GROUPS.items():
        assert groups[service] == members, service
    placeholders = {node["label"] for node in result["nodes"] if "placeholder" in node["classes"]}
    assert placeholders == EVERY_STATUS_GROUPS["(out of view)"] | {"noSuch|Op<x>\n(no such operation)"}
    legend = {link["label"] for link in result["links"] if link["start"].startswith("l")}
    assert legend == set(COLOURS)


@pytest.mark.parametrize(
    "broken",
    [
        'flowchart LR\n  n1["place "Order" now"] --> n2\n',  # a quote not escaped
        "flowchart LR\n  subgraph s1\n    n1 --> n2\n",  # a subgraph never ended
        "flowchart LR\n  n1 -->|x| n2\n  linkStyle 3 stroke:red\n",  # a link that does not exist
    ],
)
def test_the_mermaid_check_rejects_a_broken_diagram(broken: str) -> None:
    done = mermaid(broken)
    assert done.returncode == 1
    assert "mermaid parse error" in done.stderr


def test_why_labels_are_compared_and_not_only_parsed() -> None:
    # Some unescaped quotes still parse, and silently lose text: only the labels tell.
    nodes = parsed('flowchart LR\n  n1["place"Order""] --> n2\n')["nodes"]
    assert nodes[0]["label"] == "placeOrder"


# --- Filtering and the command --------------------------------------------------------------


def test_bu_keeps_the_pairs_of_that_bu(every_status: Path) -> None:
    ops = _links(parsed(graph(every_status, "--bu", "OPS-BU")))
    assert {(a, b) for a, b, _, _ in ops} == {("GET /c\ncallsNothing", "GET /listed/{a}\"b'\nlisted")}
    pay = render_svg(graph(every_status, "--bu", "PAY-BU", "--format", "dot"))
    assert sorted(e.status for e in pay.pairs()) == ["aligned", "undeclared", "undeclared", "violated"]
    assert "(out of view)" not in pay.clusters


def test_unknown_bu_exits_2_naming_the_bus(every_status: Path) -> None:
    result = invoke("graph", every_status, "--bu", "PAY-BUU")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        'contract-gate: error: no BU "PAY-BUU" in the estate (did you mean "PAY-BU"?); BUs: '
    )
    assert "OPS-BU" in result.stderr


def test_output_file_and_exit_0_on_a_failing_estate(every_status: Path) -> None:
    assert invoke("check", every_status).exit_code == 1
    result = invoke("graph", every_status, "--format", "dot", "-o", "calls.dot")
    assert result.exit_code == 0 and result.stdout == ""
    assert Path("calls.dot").read_text().startswith("digraph")


def test_no_specs_exits_2(in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    result = invoke("graph", "empty")
    assert result.exit_code == 2
    assert "no spec files" in result.stderr
