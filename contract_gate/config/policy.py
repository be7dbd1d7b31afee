"""The settings the domain code judges by, apart from the rest of `Config`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Policy:
    """What owners, SLOs and pairs are judged against (SPEC §3 to §5): five values of the config."""

    bu_pattern: re.Pattern[str]
    bu_registry: frozenset[str] | None
    max_slo_ms: float
    require_bidirectional: bool
    alignment_scope: Literal["cross-bu", "all"]
