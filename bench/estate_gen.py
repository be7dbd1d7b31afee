"""Generate a synthetic estate of many small services, deterministically (for `make bench`).

Each service is a small OpenAPI 3.0 file: its own `x-service` and `x-bu-owner`, three operations
with an `x-slo-p99`, some `x-calls` to other services and the odd `x-consumers` entry (SPEC.md
sections 4 and 5). The same N gives the same bytes on every machine.

    python bench/estate_gen.py 5000 estate    # writes estate/bu-XX/svc-NNNNN.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

BUS = ["ECOM-BU", "PAYMENTS-BU", "LOGISTICS-BU", "IDENTITY-BU", "DATA-BU", "SUPPORT-BU"]
PER_FOLDER = 250


def service_name(index: int) -> str:
    """The `x-service` of service `index`."""
    return f"svc-{index:05d}"


def spec(index: int, count: int) -> str:
    """The YAML of service `index` of `count`."""
    name = service_name(index)
    bu = BUS[index % len(BUS)]
    # Two callees each, spread over the estate; budgets generous enough to be mostly aligned.
    callees = [(index * 7 + 1) % count, (index * 13 + 5) % count]
    calls = "".join(
        f"""
        - service: {service_name(callee)}
          operation: get{callee:05d}
          x-slo-p99: {300 + (index + callee) % 5 * 50}ms"""
        for callee in callees
        if callee != index
    )
    consumers = (
        f"""
      x-consumers:
        - service: {service_name((index + 1) % count)}
          operation: create{(index + 1) % count:05d}
          x-slo-p99: 400ms"""
        if index % 10 == 0
        else ""
    )
    return f"""openapi: 3.0.3
info:
  title: Service {index:05d}
  version: 1.{index % 7}.0
  description: Synthetic service {index} of {count}.
  x-service: {name}
  x-bu-owner: {bu}
paths:
  /v1/items/{{itemId}}:
    parameters:
      - name: itemId
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: get{index:05d}
      summary: Read an item
      x-slo-p99: {100 + index % 9 * 25}ms{consumers}
      responses:
        '200':
          description: The item.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Item'
        '404':
          description: No such item.
  /v1/items:
    post:
      operationId: create{index:05d}
      summary: Create an item
      x-slo-p99: {800 + index % 4 * 100}ms
      x-calls:{calls}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Item'
      responses:
        '201':
          description: Created.
    get:
      operationId: list{index:05d}
      summary: List items
      x-slo-p99: 500ms
      responses:
        '200':
          description: A page of items.
components:
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
    paths = []
    for index in range(count):
        path = folder / f"bu-{index // PER_FOLDER:02d}" / f"{service_name(index)}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec(index, count), "utf-8")
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
