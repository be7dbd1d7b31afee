"""Generate a synthetic estate of many services, deterministically (for `make bench`).

Each service is an OpenAPI 3.0 file with ten operations (two internal), about twenty `x-calls`
to other services and some `x-consumers` entries (SPEC.md sections 3 to 5), so that 5,000
services hold 50,000 operations and about 100,000 calls. The mix is meant to look like a real
estate, not a clean one:

- owners at the info level, the document root or on path items (one path item of another BU,
  one operation overriding), some operations unowned, some owners invalid;
- SLOs on operations, on a path item or as an info-level default, some missing or invalid,
  written in ms and in s;
- calls by operationId or by "METHOD /path" (other parameter names, a server's path before
  the path), mostly aligned, some violated (a budget below the callee's SLO), undeclared (no
  budget, or only the callee listing the pair), unresolved (no such operation) or out of view
  (a service not in the estate); sync calls go to services later in the estate (no cycles but
  the few two-service cycles made on purpose), calls wrapping round to earlier ones are async;
- callees agreeing budgets in `x-consumers`, most equal to the caller's, some not; a service
  id derived from the title, a duplicate service id.

The same N gives the same bytes on every machine (no randomness: a hash of the indices).

    python bench/estate_gen.py 5000 estate    # writes estate/bu-XX/svc-NNNNN.yaml
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

BUS = ["ECOM-BU", "PAYMENTS-BU", "LOGISTICS-BU", "IDENTITY-BU", "DATA-BU", "SUPPORT-BU"]
PER_FOLDER = 250
SPREAD = 400  # a callee is one of the next SPREAD services (wrapping round)

# (method, path, operationId stem, SLO in ms) of the ten operations of every service.
OPERATIONS = [
    ("get", "/v1/items/{itemId}", "getItem", 100),
    ("put", "/v1/items/{itemId}", "updateItem", 400),
    ("delete", "/v1/items/{itemId}", "deleteItem", 300),
    ("get", "/v1/items", "listItems", 250),
    ("post", "/v1/items", "createItem", 800),
    ("get", "/v1/items/{itemId}/events", "listEvents", 200),
    ("post", "/v1/items/{itemId}/events", "addEvent", 600),
    ("get", "/v1/reports/{reportId}", "getReport", 1500),
    ("get", "/internal/health", "health", 50),
    ("post", "/internal/reindex", "reindex", 5000),
]
HEALTH, REINDEX = 8, 9
# Callers naming an operation by route write the parameters by other names.
ROUTE_AS_CALLED = {
    "/v1/items/{itemId}": "/v1/items/{id}",
    "/v1/items/{itemId}/events": "/v1/items/{id}/events",
    "/v1/reports/{reportId}": "/v1/reports/{id}",
}


def service_name(index: int) -> str:
    """The service id of service `index` (its `x-service`, or the slug of its title)."""
    return f"svc-{index:05d}"


def _pick(*parts: int) -> int:
    """A well-spread number from the parts, the same on every machine and Python."""
    digest = hashlib.blake2b(",".join(map(str, parts)).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little")


def _duration(millis: float) -> str:
    """250 -> "250ms", 1500 -> "1.5s"; whole seconds sometimes in ms ("2000ms")."""
    if millis >= 1000 and (millis % 500 == 0):
        return f"{millis / 1000:g}s"
    return f"{millis:g}ms"


@dataclass
class Call:
    """One x-calls entry as planned: the callee and what the caller writes."""

    callee: int  # service index, or -1 for a service out of view
    operation: str
    budget: str | None
    mode: str
    op: int  # the callee's operation index, -1 when unresolved


@dataclass
class Service:
    """The plan of one service: effective SLOs (ms, None when missing or invalid) and entries."""

    index: int
    slo_ms: list[float | None]
    calls: dict[int, list[Call]] = field(default_factory=dict)
    consumers: dict[int, list[tuple[str, str, str | None]]] = field(default_factory=dict)


def _slo_text(index: int, op: int) -> tuple[str | None, str]:
    """The x-slo-p99 an operation states and where: operation, path-item, info or none."""
    if index % 111 == 11 and op == 5:
        return "250 ms", "operation"  # invalid: a space
    if index % 3 == 0 and op in (3, 7):
        return "2s", "info"
    if index % 3 == 1 and op in (0, 2):
        return "300ms", "path-item"
    if index % 40 == 9 and op == 7:
        return None, "none"
    base = OPERATIONS[op][3]
    factor = (1, 1.2, 1.5, 2)[_pick(index, op, 1) % 4]
    return _duration(base * factor), "operation"


def _plan_slos(index: int) -> list[float | None]:
    slos: list[float | None] = []
    for op in range(len(OPERATIONS)):
        text, _ = _slo_text(index, op)
        if text is None or " " in text:
            slos.append(None)
        elif text.endswith("ms"):
            slos.append(float(text[:-2]))
        else:
            slos.append(float(text[:-1]) * 1000)
    return slos


def _ref(callee: int, op: int, style: int) -> str:
    """How a caller names operation `op` of `callee`: operationId or "METHOD /path"."""
    method, path, stem, _ = OPERATIONS[op]
    if style % 10 < 7:
        return f"{stem}{callee:05d}"
    written = ROUTE_AS_CALLED.get(path, path)
    prefix = f"/{service_name(callee)}" if callee % 20 == 0 and style % 2 else ""
    return f"{method.upper()} {prefix}{written}"


def _plan_call(plans: list[Service], caller: int, op: int, number: int, count: int) -> Call:
    """One x-calls entry of operation `op` of `caller`: its callee and a budget of some kind."""
    seed = _pick(caller, op, number)
    kind = seed % 100
    callee = (caller + 1 + seed % min(SPREAD, count - 1)) % count if count > 1 else caller
    mode = "async" if callee < caller or seed % 23 == 0 else "sync"
    target = (seed >> 8) % len(OPERATIONS)
    if target in (HEALTH, REINDEX) and seed % 5:
        target = (seed >> 12) % HEALTH  # an internal operation is seldom called from outside
    if kind < 2:
        return Call(-1, f"syncPartner{seed % 7}", "500ms", "sync", -1)  # out of view
    if kind < 5:
        return Call(callee, "GET /v1/nothing" if seed % 2 else f"noSuchOp{callee:05d}", "300ms", mode, -1)
    ref = _ref(callee, target, seed >> 16)
    commitment = plans[callee].slo_ms[target]
    if kind < 11:
        return Call(callee, ref, None, mode, target)  # undeclared: no budget
    if kind == 11:
        return Call(callee, ref, "300", mode, target)  # invalid: no unit
    if commitment is None:
        return Call(callee, ref, "1s", mode, target)
    if kind < 24:
        return Call(callee, ref, _duration(max(1.0, commitment // 2)), mode, target)  # violated
    factor = (1, 1.25, 1.5, 2)[(seed >> 4) % 4]
    return Call(callee, ref, _duration(commitment * factor), mode, target)


def plan(count: int) -> list[Service]:
    """Every service's SLOs, calls and consumers."""
    plans = [Service(index, _plan_slos(index)) for index in range(count)]
    for service in plans:
        index = service.index
        for op in range(len(OPERATIONS)):
            # About two calls per operation; the health check calls nothing.
            calls = 0 if op == HEALTH else 2 + (_pick(index, op) % 3 == 0)
            service.calls[op] = [_plan_call(plans, index, op, number, count) for number in range(calls)]
        if index % 1000 == 500 and index + 1 < count:  # a two-service sync cycle, on purpose
            service.calls[REINDEX].append(Call(index + 1, f"reindex{index + 1:05d}", "6s", "sync", REINDEX))
        if index % 1000 == 501:
            service.calls[REINDEX].append(Call(index - 1, f"reindex{index - 1:05d}", "6s", "sync", REINDEX))
    for service in plans:
        for op, calls in service.calls.items():
            for number, call in enumerate(calls):
                if call.op < 0 or _pick(service.index, op, number, 7) % 4:
                    continue
                # The callee lists a quarter of its callers; one agreement in five differs.
                agreed = call.budget if _pick(service.index, op, number, 8) % 5 else "999ms"
                caller_ref = f"{OPERATIONS[op][2]}{service.index:05d}"
                entries = plans[call.callee].consumers.setdefault(call.op, [])
                entries.append((service_name(service.index), caller_ref, agreed))
    for service in plans:
        index, entries = service.index, service.consumers.setdefault(4, [])
        if index % 13 == 0 and count > 2:  # listed by the callee only
            entries.append((service_name((index + 2) % count), f"getReport{(index + 2) % count:05d}", "2s"))
        if index % 29 == 0:
            entries.append(("legacy-portal", "syncItems", "1s"))  # out of view
        if index % 31 == 0 and count > 3:
            entries.append((service_name((index + 3) % count), "noSuchCaller", "1s"))  # unresolved
    return plans


def _owner(index: int) -> tuple[str | None, str]:
    """The document-level owner and where it is (info, root, or path items: "path-item")."""
    if index % 97 == 5:
        return "Ecom BU", "info"  # invalid
    if index % 7 == 3:
        return None, "path-item"
    return BUS[index % len(BUS)], "root" if index % 11 == 6 else "info"


def _entries(name: str, entries: list[tuple[str, str, str | None, str | None]], indent: str) -> str:
    if not entries:
        return ""
    lines = [f"{indent}{name}:"]
    for service, operation, budget, mode in entries:
        lines.append(f"{indent}  - service: {service}")
        lines.append(f'{indent}    operation: "{operation}"')
        if budget is not None:
            lines.append(
                f'{indent}    x-slo-p99: "{budget}"'
                if budget.isdigit()
                else f"{indent}    x-slo-p99: {budget}"
            )
        if mode == "async":
            lines.append(f"{indent}    mode: async")
    return "\n".join(lines) + "\n"


def _operation(service: Service, op: int, count: int) -> str:
    index = service.index
    method, _, stem, _ = OPERATIONS[op]
    ind = "      "
    text = f"    {method}:\n{ind}operationId: {stem}{index:05d}\n{ind}summary: {stem} of service {index}\n"
    slo, level = _slo_text(index, op)
    if level == "operation":
        text += f'{ind}x-slo-p99: "{slo}"\n' if " " in str(slo) else f"{ind}x-slo-p99: {slo}\n"
    if op == 6 and index % 5 == 0:
        text += f"{ind}x-bu-owner: {BUS[(index + 2) % len(BUS)]}\n"
    if op == REINDEX or (op == 5 and index % 9 == 4):
        text += f"{ind}x-internal: true\n"
    if op == HEALTH and index % 17 == 2:
        text += f"{ind}x-internal: false\n"
    calls = [
        (service_name(c.callee) if c.callee >= 0 else "partner-gateway", c.operation, c.budget, c.mode)
        for c in service.calls.get(op, [])
    ]
    text += _entries("x-calls", calls, ind)
    consumers = [(s, o, b, None) for s, o, b in service.consumers.get(op, [])]
    text += _entries("x-consumers", consumers, ind)
    body = "{ $ref: '#/components/schemas/Item' }"
    if method in ("put", "post"):
        text += f"{ind}requestBody:\n{ind}  required: true\n{ind}  content:\n"
        text += f"{ind}    application/json:\n{ind}      schema: {body}\n"
    status = {"post": "201", "delete": "204"}.get(method, "200")
    text += f"{ind}responses:\n{ind}  '{status}':\n{ind}    description: Done.\n"
    if status == "200":
        text += f"{ind}    content:\n{ind}      application/json:\n{ind}        schema: {body}\n"
    return text


def spec(plans: list[Service], index: int) -> str:
    """The YAML of service `index` of the plan."""
    service, count = plans[index], len(plans)
    owner, owner_level = _owner(index)
    # One service in 2,500 repeats the id of the one before it (service-duplicate).
    name = service_name(index - 1 if index % 2500 == 2499 else index)
    info = [
        f"  title: Svc {index:05d}",
        f"  version: 1.{index % 7}.0",
        f"  description: Service {index} of {count}.",
    ]
    if index % 50 != 25:  # else the id is the slug of the title, the same name
        info.append(f"  x-service: {name}")
    if owner is not None and owner_level == "info":
        info.append(f"  x-bu-owner: {owner}")
    if index % 3 == 0:
        info.append("  x-slo-p99: 2s")
    text = "openapi: 3.0.3\ninfo:\n" + "\n".join(info) + "\n"
    if owner is not None and owner_level == "root":
        text += f"x-bu-owner: {owner}\n"
    if index % 20 == 0:
        text += f"servers:\n  - url: https://api.example.com/{service_name(index)}\n"
    text += "paths:\n"
    paths: dict[str, list[int]] = {}
    for op, (_, path, _, _) in enumerate(OPERATIONS):
        paths.setdefault(path, []).append(op)
    for path, ops in paths.items():
        text += f"  {path}:\n"
        if owner_level == "path-item" and not (path.startswith("/v1/reports") and index % 2):
            bu = BUS[(index + 1) % len(BUS)] if path.endswith("/events") else BUS[index % len(BUS)]
            text += f"    x-bu-owner: {bu}\n"
        if path == "/v1/items/{itemId}" and index % 3 == 1:
            text += "    x-slo-p99: 300ms\n"
        if path == "/internal/health":
            text += "    x-internal: true\n"
        if "{" in path:
            parameter = path.split("{", 1)[1].split("}", 1)[0]
            text += "    parameters:\n"
            text += f"      - {{ name: {parameter}, in: path, required: true, schema: {{ type: string }} }}\n"
        text += "".join(_operation(service, op, count) for op in ops)
    return text + _COMPONENTS


_COMPONENTS = """components:
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id:
          type: string
        name:
          type: string
        price:
          type: integer
          minimum: 0
"""


def generate(count: int, folder: Path) -> list[Path]:
    """Write `count` services under `folder` (in subfolders of 250); their paths, sorted."""
    plans = plan(count)
    paths = []
    for index in range(count):
        path = folder / f"bu-{index // PER_FOLDER:02d}" / f"{service_name(index)}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec(plans, index), "utf-8")
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    """`estate_gen.py COUNT FOLDER`."""
    if len(argv) != 2 or not argv[0].isdigit():
        print("usage: estate_gen.py COUNT FOLDER", file=sys.stderr)
        return 2
    paths = generate(int(argv[0]), Path(argv[1]))
    print(f"wrote {len(paths)} services under {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
