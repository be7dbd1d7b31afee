"""Names inside the site: a file stem per service, and Swagger UI's deep link to an operation."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote

from contract_gate.spec.model import slug

# JavaScript's \W: anything but ASCII letters, digits and "_" (Python's \W would keep "é").
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")
DEFAULT_TAG = "default"  # Swagger UI's group for operations without tags


def page_stems(service_ids: Iterable[str]) -> dict[str, str]:
    """A file stem per service id, safe in a URL and distinct even on case-insensitive file systems.

    An id that is already a plain lower-case slug keeps its name ("order-service"); any other
    ("Order Service", "../x", "") gets its slug and a short hash of the id, so that no two
    services ever share a page and no id can name a path outside the site.
    """
    stems: dict[str, str] = {}
    for service_id in service_ids:
        plain = slug(service_id)[:60].strip("-")
        if plain == service_id and plain:
            stems[service_id] = plain
        else:
            digest = hashlib.sha256(service_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            stems[service_id] = f"{plain or 'service'}-{digest}"
    return stems


def swagger_operation_id(operation_id: object, method: str, path: str) -> str:
    """Swagger UI's key of an operation: its operationId as written, else method and path ("get_v1_x")."""
    if isinstance(operation_id, str) and operation_id:
        return operation_id
    return method.lower() + _NOT_WORD.sub("_", path)


def deep_link(tag: str, operation_id: str) -> str:
    """The URL fragment that opens an operation in Swagger UI (`deepLinking: true`): "#/Tag/opId"."""
    return f"#/{quote(tag, safe='')}/{quote(operation_id, safe='')}"
