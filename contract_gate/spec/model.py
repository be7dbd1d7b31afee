"""The normalised view of a spec: one service, its operations and their effective values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from contract_gate.config.policy import Policy
from contract_gate.extensions.entries import parse_entry
from contract_gate.extensions.values import (
    VALID,
    EntryList,
    Verdict,
    check_owner,
    check_slo,
    slo_millis,
)
from contract_gate.load import pointer as jp
from contract_gate.load.loader import Document
from contract_gate.load.refs import RefResolver
from contract_gate.pickling import by_constructor

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SERVER_VARIABLE = re.compile(r"\{([^{}]*)\}")
_METHOD_PATH = re.compile(r"^([A-Za-z]+)\s+(/\S*)$")
_TEMPLATE_PARAM = re.compile(r"\{[^}/]*\}")
OWNER, SLO = "x-bu-owner", "x-slo-p99"


@by_constructor
@dataclass(frozen=True, slots=True)
class Sourced:
    """An effective extension value and where it was written (the nearest one wins)."""

    value: Any
    level: str  # operation | path-item | info | root
    file: str
    pointer: str


@by_constructor
@dataclass(frozen=True, slots=True)
class CallRef:
    """One `x-calls` or `x-consumers` entry: the other side, the duration named, where it is."""

    service: str
    operation: str  # operationId or "METHOD /path", as written
    budget: Any  # the entry's x-slo-p99 as written (None when absent)
    mode: str  # sync | async (consumers: sync)
    file: str
    pointer: str

    @property
    def budget_pointer(self) -> str:
        """Where the entry's x-slo-p99 is (or would be)."""
        return self.pointer + "/x-slo-p99"  # jp.child(self.pointer, "x-slo-p99"): nothing to escape


@by_constructor
@dataclass(frozen=True, slots=True)
class Operation:
    """One (method, path) of a service, with its effective owner and SLO."""

    service: str
    method: str
    path: str
    operation_id: str | None
    file: str
    pointer: str
    internal: bool
    owner: Sourced | None
    slo: Sourced | None
    owner_verdict: Verdict
    slo_verdict: Verdict
    calls: tuple[CallRef, ...] = ()
    consumers: tuple[CallRef, ...] = ()
    entry_errors: tuple[tuple[str, str], ...] = ()  # (pointer, message) of malformed entries
    # Derived from the fields above when the operation is made (or unpickled), not on each
    # read: the estate analysis reads them several times for every pair.
    key: str = field(init=False, repr=False, compare=False)
    """`"POST /v1/orders"`."""
    bu: str | None = field(init=False, repr=False, compare=False)
    """The owning BU when the effective owner is valid."""
    slo_ms: float | None = field(init=False, repr=False, compare=False)
    """The promised p99 in milliseconds when the effective SLO is valid."""

    def __post_init__(self) -> None:
        derive = object.__setattr__  # frozen: the dataclass way to set a field after __init__
        derive(self, "key", f"{self.method.upper()} {self.path}")
        derive(self, "bu", self.owner.value if self.owner is not None and self.owner_verdict.valid else None)
        valid_slo = self.slo is not None and self.slo_verdict.valid
        derive(self, "slo_ms", slo_millis(self.slo.value) if self.slo is not None and valid_slo else None)

    @property
    def documented(self) -> bool:
        """Counts for completeness: a valid owner and a valid SLO."""
        return self.bu is not None and self.slo_ms is not None


@by_constructor
@dataclass(frozen=True, slots=True)
class Service:
    """One spec seen as a service."""

    id: str
    title: str | None
    file: str
    id_pointer: str
    spec_version: str
    operations: tuple[Operation, ...]
    # Path prefixes a caller may write before a path: basePath, or the paths of `servers` URLs.
    base_paths: tuple[str, ...] = ()

    @property
    def external(self) -> tuple[Operation, ...]:
        """Operations that count in the metrics."""
        return tuple(op for op in self.operations if not op.internal)


def template(path: str) -> str:
    """`/v1/carts/{cartId}` and `/v1/carts/{id}` are the same template."""
    return _TEMPLATE_PARAM.sub("{}", path) if "{" in path else path


def route_of(reference: str) -> tuple[str, str] | None:
    """(method, path template) an x-calls operation "METHOD /path" names; None for an operationId."""
    match = _METHOD_PATH.match(reference)
    return (match.group(1).lower(), template(match.group(2))) if match else None


def slug(text: str) -> str:
    """Make an id of a title: "Order Service API" -> "order-service-api"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_service(document: Document, family: str, resolver: RefResolver, policy: Policy) -> Service:
    """The service a parsed spec describes (its references followed through the resolver)."""
    data: dict[str, Any] = document.data
    raw_info = data.get("info")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    service_id, id_pointer, title = _identity(document, info)
    inherited = {name: _document_level(document, data, info, name) for name in (OWNER, SLO)}
    operations: list[Operation] = []
    paths = data.get("paths")
    for path, raw_item in paths.items() if isinstance(paths, dict) else ():
        item_doc, item_pointer, item = document, jp.join("paths", path), raw_item
        if isinstance(raw_item, dict) and isinstance(raw_item.get("$ref"), str):
            target = resolver.follow(document, raw_item["$ref"])
            if target is None:
                continue  # reported as a reference problem
            item_doc, item_pointer, item = target.document, target.pointer, target.value
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            op_pointer = jp.child(item_pointer, method)
            values = {
                name: _nearest(
                    (op, "operation", op_pointer),
                    (item, "path-item", item_pointer),
                    item_doc.display,
                    name,
                )
                or inherited[name]
                for name in (OWNER, SLO)
            }
            internal = op.get("x-internal", item.get("x-internal")) is True
            owner, slo = values[OWNER], values[SLO]
            calls, call_errors = _entries(op, "x-calls", item_doc.display, op_pointer)
            consumers, consumer_errors = _entries(op, "x-consumers", item_doc.display, op_pointer)
            operations.append(
                Operation(
                    service=service_id,
                    method=method,
                    path=str(path),
                    operation_id=op["operationId"] if isinstance(op.get("operationId"), str) else None,
                    file=item_doc.display,
                    pointer=op_pointer,
                    internal=internal,
                    owner=owner,
                    slo=slo,
                    owner_verdict=check_owner(owner.value, policy.bu_pattern, policy.bu_registry)
                    if owner
                    else VALID,
                    slo_verdict=check_slo(slo.value, policy.max_slo_ms) if slo else VALID,
                    calls=calls,
                    consumers=consumers,
                    entry_errors=call_errors + consumer_errors,
                )
            )
    return Service(
        service_id, title, document.display, id_pointer, family, tuple(operations), base_paths(data)
    )


def base_paths(data: dict[str, Any]) -> tuple[str, ...]:
    """The prefixes of SPEC §3 a call may put before a path as written under `paths`.

    Swagger 2.0's `basePath`; else the path of each root `servers` URL, its variables set to
    their defaults (`https://api.example.com/{version}` with default v3 -> "/v3"). "/" is none.
    """
    written: list[str] = []
    if isinstance(data.get("basePath"), str):
        written.append(data["basePath"])
    servers = data.get("servers")
    written.extend(
        _server_path(server["url"], server.get("variables"))
        for server in (servers if isinstance(servers, list) else ())
        if isinstance(server, dict) and isinstance(server.get("url"), str)
    )
    prefixes = []
    for prefix in written:
        prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        # A variable without a default would match any segment: such a prefix is none.
        if prefix and not any(c in prefix for c in " {}") and prefix not in prefixes:
            prefixes.append(prefix)
    return tuple(prefixes)


def _server_path(url: str, variables: object) -> str:
    defaults = variables if isinstance(variables, dict) else {}

    def default(match: re.Match[str]) -> str:
        variable = defaults.get(match.group(1))
        value = variable.get("default") if isinstance(variable, dict) else None
        return value if isinstance(value, str) else match.group(0)

    url = _SERVER_VARIABLE.sub(default, url)
    try:
        return urlsplit(url).path if "//" in url else url.split("?", 1)[0].split("#", 1)[0]
    except ValueError:
        return ""


def _entries(
    op: dict[str, Any], name: EntryList, file: str, op_pointer: str
) -> tuple[tuple[CallRef, ...], tuple[tuple[str, str], ...]]:
    """The well-formed entries of an `x-calls`/`x-consumers` list, and the malformed ones."""
    raw = op.get(name)
    where = jp.child(op_pointer, name)
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        return (), ((where, f"{name} must be a list of entries; got {type(raw).__name__}"),)
    entries: list[CallRef] = []
    errors: list[tuple[str, str]] = []
    for index, item in enumerate(raw):
        pointer = jp.child(where, index)
        entry, why = parse_entry(name, item)
        if entry is None:
            errors.append((pointer, f"{name} entry {index}: {why}"))
            continue
        entries.append(CallRef(entry.service, entry.operation, entry.x_slo_p99, entry.mode, file, pointer))
    return tuple(entries), tuple(errors)


def _identity(document: Document, info: dict[str, Any]) -> tuple[str, str, str | None]:
    title = info.get("title") if isinstance(info.get("title"), str) else None
    explicit = info.get("x-service")
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip(), "/info/x-service", title
    if title and slug(title):
        return slug(title), "/info/title", title
    return slug(document.path.stem) or "unnamed", "", title


def _nearest(
    operation: tuple[dict[str, Any], str, str],
    path_item: tuple[dict[str, Any], str, str],
    file: str,
    name: str,
) -> Sourced | None:
    for holder, level, where in (operation, path_item):
        if name in holder:
            return Sourced(holder[name], level, file, jp.child(where, name))
    return None


def _document_level(
    document: Document, data: dict[str, Any], info: dict[str, Any], name: str
) -> Sourced | None:
    # `info` is where API-wide metadata conventionally lives, so it wins over the bare root.
    if name in info:
        return Sourced(info[name], "info", document.display, jp.join("info", name))
    if name in data:
        return Sourced(data[name], "root", document.display, jp.join(name))
    return None
