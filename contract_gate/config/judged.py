"""What judged a run: each policy key's effective value and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    """Where an effective policy value came from."""

    DEFAULT = "default"
    CONFIG = "config"  # the repository's config file, in the working tree
    FLAGS = "flags"  # the command line
    BASE = "base"  # the config file at the base revision (diff mode): the head loosened it
    POLICY = "policy"  # the organisation's floor (--policy)


@dataclass(frozen=True, slots=True)
class JudgedValue:
    """One policy key as the gate applied it: `min-completeness` 80 from the policy file."""

    key: str
    value: str
    source: Source
    where: str  # the file (or `REV:path`, or "command line"); "" for a default

    def as_dict(self) -> dict[str, str]:
        """As the reports write it: key, value, source, where."""
        return {"key": self.key, "value": self.value, "source": self.source.value, "where": self.where}
