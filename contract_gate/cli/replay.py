"""`check` replayed: what a run over unchanged files showed, shown again without running it.

The record and when it may be replayed are `engine/run_record.py`'s; this is what `check`
records: its output, its extra reports, its lines on stderr and its exit code.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from contract_gate.cli.support import Prepared, result_cache
from contract_gate.engine import run_record
from contract_gate.engine.cache import Cache
from contract_gate.load.discovery import discover


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one `check` shows: its output, each --report's text, its stderr lines, its exit code."""

    # Text or UTF-8 bytes: in pieces (outputs.registry.Rendered) until written, then kept as a
    # tuple of them when the run is recorded.
    output: str | bytes | Iterable[bytes]
    reports: tuple[str | bytes | Iterable[bytes], ...]
    notes: tuple[str, ...]  # on stderr before the outputs
    summary: str | None  # on stderr after them
    exit_code: int


class Replay(NamedTuple):
    """The result cache of a run that may be replayed, and the name of its record."""

    cache: Cache
    name: bytes


def replay_for(paths: tuple[Path, ...], prepared: Prepared, options: Sequence[str]) -> Replay | None:
    """Where a check over `paths` with these output `options` is recorded; None when it is not.

    Only a run with the result cache on is; the caller leaves out diff mode and baselines.
    """
    settings, config_base, _isolation, judgement = prepared
    cache = result_cache(settings, config_base)
    if cache is None:
        return None
    candidates = discover(list(paths), settings.config.exclude, config_base)
    judged = (repr(judgement.judged_by), repr(judgement.problems))
    name = run_record.run_name(cache, settings, candidates, [*options, *judged, *map(str, paths)])
    return Replay(cache, name) if name is not None else None


def recalled(replay: Replay) -> Outcome | None:
    """The recorded outcome, when nothing the run read has changed since."""
    data = run_record.recall(replay.cache, replay.name)
    if data is None:
        return None
    try:
        outcome = pickle.loads(data)  # signed with the cache's key (run_record)
    except Exception:  # written by other code: a miss
        return None
    return outcome if isinstance(outcome, Outcome) else None


def remember(replay: Replay, outcome: Outcome) -> None:
    """Record the outcome of the run for the next one (best effort)."""
    run_record.record(replay.cache, replay.name, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
