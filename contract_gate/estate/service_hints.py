"""What a finding about a service that is not loaded says about the services that are.

A spec without `info.x-service` is named by a slug of its title (or of its file name), an id
its author may never have seen: a caller naming the service otherwise is out of view, not
judged. The hint lists the loaded ids, where a derived one came from, and the closest one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from contract_gate.spec.model import Service

SHOWN = 10  # loaded ids listed in full; the rest are counted
CLOSE_ENOUGH = 0.6  # difflib's ratio for "did you mean"
# Words in many ids that tell no service from another: "order-service" is not close to
# "voucher-service", and "payment-service" is close to "payments".
GENERIC_WORDS = frozenset({"service", "services", "svc", "api", "app", "server"})


class ServiceHints:
    """Hints for ids that name no loaded service, each worked out once."""

    def __init__(self, services: Mapping[str, Service]) -> None:
        self._services = dict(sorted(services.items()))
        self._by_core: dict[str, str] = {}
        for service_id in self._services:
            self._by_core.setdefault(_core(service_id), service_id)
        self._hints: dict[str, str] = {}

    def for_missing(self, name: str) -> str:
        """Like 'Did you mean payments? Loaded services: orders, payments (from the title of …)'."""
        if name not in self._hints:
            self._hints[name] = self._hint(name)
        return self._hints[name]

    def _hint(self, name: str) -> str:
        closest = difflib.get_close_matches(_core(name), self._by_core, n=1, cutoff=CLOSE_ENOUGH)
        suggestion = self._by_core[closest[0]] if closest else None
        ids = list(self._services)
        # The suggestion is always listed, so that where its id came from is said.
        shown = (
            ids[:SHOWN]
            if suggestion is None or suggestion in ids[:SHOWN]
            else [suggestion, *ids[: SHOWN - 1]]
        )
        listed = ", ".join(self._described(service_id) for service_id in shown)
        if len(ids) > len(shown):
            listed += f" and {len(ids) - len(shown)} more"
        text = f"Did you mean {suggestion}? " if suggestion is not None else ""
        text += f"Loaded services: {listed}"
        if any(_origin(self._services[service_id]) for service_id in shown):
            text += "; set info.x-service to name a service rather than derive its id"
        return text

    def _described(self, service_id: str) -> str:
        service = self._services[service_id]
        origin = _origin(service)
        return f"{service_id} (from the {origin} of {service.file})" if origin else service_id


def _core(service_id: str) -> str:
    """What tells an id from others: its words, lower-cased, but the generic ones."""
    words = [word for word in re.split(r"[^a-z0-9]+", service_id.lower()) if word]
    return "-".join(word for word in words if word not in GENERIC_WORDS) or "-".join(words)


def _origin(service: Service) -> str | None:
    """What a derived id was made from ("title", "file name"); None for an x-service."""
    if service.id_pointer == "/info/title":
        return "title"
    return "file name" if not service.id_pointer else None
