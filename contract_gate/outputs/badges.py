"""Score badges: a metric of a Report as an SVG badge (badgepy) or shields.io endpoint JSON.

Pure functions from the Report to text; the CLI (`cli/badge.py`) writes the files.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import io
import json
import lzma
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import badgepy
from badgepy.precalculated_text_measurer import PrecalculatedTextMeasurer

from contract_gate.engine.run import Report
from contract_gate.estate.metrics import Alignment, GroupMetrics, Ratio

Metric = Literal["completeness", "alignment"]
METRICS: tuple[Metric, ...] = ("completeness", "alignment")
BadgeFormat = Literal["svg", "shields"]
SUFFIXES: dict[BadgeFormat, str] = {"svg": ".svg", "shields": ".json"}
INDEX = "index.json"

# shields.io colour names and the hex values badgepy (and shields.io) draw them with.
COLOURS = {
    "brightgreen": "#4c1",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "lightgrey": "#9f9f9f",
}
# (points below the threshold still in the band, colour), from the best band down.
BANDS: tuple[tuple[float, str], ...] = ((0.0, "brightgreen"), (10.0, "yellow"), (25.0, "orange"))

_LABELS: dict[Metric, str] = {"completeness": "completeness", "alignment": "SLO alignment"}
_TITLES: dict[Metric, str] = {"completeness": "documentation completeness", "alignment": "SLO alignment"}
# Characters XML 1.0 cannot hold (a BU comes from a spec and may contain anything).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class Badge:
    """What one badge shows: label, message, colour (a shields.io name) and a tooltip."""

    metric: Metric
    label: str
    message: str
    colour: str
    title: str
    ratio: Ratio
    threshold: float


def band(ratio: Ratio, threshold: float) -> str:
    """The colour name of a ratio against a threshold in percent, compared exactly (n/a: lightgrey)."""
    if ratio.denominator == 0:
        return "lightgrey"
    for points, colour in BANDS:
        if not ratio.below(threshold - points):
            return colour
    return "red"


def threshold_of(report: Report, metric: Metric) -> float:
    """The configured gate threshold of a metric, in percent."""
    config = report.config
    return config.min_completeness if metric == "completeness" else config.min_alignment


def group_metrics(report: Report, bu: str | None) -> GroupMetrics | None:
    """The metrics of everything (bu None) or of one BU; None when nothing is in that BU."""
    return report.metrics.overall if bu is None else report.metrics.by_bu.get(bu)


def describe(report: Report, metric: Metric, bu: str | None = None, label: str | None = None) -> Badge:
    """The badge of a metric, overall or for one BU (n/a when the BU has nothing); `label` overrides."""
    group = group_metrics(report, bu)
    threshold = threshold_of(report, metric)
    name = _TITLES[metric] if bu is None else f"{bu} {_TITLES[metric]}"
    if metric == "completeness":
        ratio = group.completeness if group is not None else Ratio(0, 0)
        counts = (
            f"{ratio.numerator}/{ratio.denominator} external operations"
            if ratio.denominator
            else "no external operations (n/a)"
        )
        title = f"{name}: {counts}"
    else:
        alignment = group.alignment if group is not None else Alignment(scope=report.config.alignment_scope)
        ratio = alignment.ratio
        counts = (
            f"{ratio.numerator}/{ratio.denominator} pairs" if ratio.denominator else "no pairs in scope (n/a)"
        )
        title = f"{name} ({alignment.scope}): {counts}"
        if alignment.out_of_view:
            title += f", {alignment.out_of_view} out of view"
    if ratio.denominator:
        title += f", threshold {threshold:g}%"
    default_label = _LABELS[metric] if bu is None else f"{bu} {_LABELS[metric]}"
    return Badge(
        metric=metric,
        label=shown_text(label if label is not None else default_label),
        message=ratio.shown(),
        colour=band(ratio, threshold),
        title=shown_text(title),
        ratio=ratio,
        threshold=threshold,
    )


def shown_text(text: str) -> str:
    """Text as an SVG shows it: whitespace runs collapsed, characters XML cannot hold replaced.

    badgepy measures the text it is given, so it must be given what the browser will draw.
    """
    return " ".join(_NOT_XML.sub("\ufffd", text).split())


@functools.cache
def measurer() -> PrecalculatedTextMeasurer:
    """Badgepy's precalculated DejaVu Sans widths, loaded once.

    `PrecalculatedTextMeasurer.default()` uses importlib.resources functions deprecated since
    Python 3.11; this reads the same data file (plain or xz-compressed) with `files()`.
    """
    package = importlib.resources.files("badgepy")
    compressed = package / "default-widths.json.xz"
    if compressed.is_file():
        text = lzma.decompress(compressed.read_bytes()).decode("utf-8")
    else:
        text = (package / "default-widths.json").read_text(encoding="utf-8")
    return PrecalculatedTextMeasurer.from_json(io.StringIO(text))


def render_svg(badge: Badge) -> str:
    """The badge as an SVG document (text widths from DejaVu Sans metrics, set as textLength)."""
    svg = badgepy.badge(
        left_text=badge.label,
        right_text=badge.message,
        right_color=COLOURS[badge.colour],
        whole_title=badge.title,
        measurer=measurer(),
    )
    return svg + "\n"


def shields(badge: Badge) -> dict[str, Any]:
    """The badge as a shields.io endpoint object."""
    return {"schemaVersion": 1, "label": badge.label, "message": badge.message, "color": badge.colour}


def render_shields(badge: Badge) -> str:
    """The badge as a shields.io endpoint JSON file."""
    return json.dumps(shields(badge), indent=2, ensure_ascii=False) + "\n"


def file_stems(bus: list[str]) -> dict[str, str]:
    """A file-name-safe stem per BU, distinct even on case-insensitive file systems.

    Accents are dropped, other characters than [A-Za-z0-9._-] become "-"; BUs whose stems would
    clash get a short hash of their real name appended, so that no badge silently overwrites another.
    """
    plain = {bu: _safe(bu) for bu in bus}
    clashing: dict[str, list[str]] = {}
    for bu, stem in plain.items():
        clashing.setdefault(stem.casefold(), []).append(bu)
    stems = {
        bu: stem if len(clashing[stem.casefold()]) == 1 else f"{stem}-{_digest(bu)}"
        for bu, stem in plain.items()
    }
    seen: dict[str, str] = {}
    for bu, stem in stems.items():
        other = seen.setdefault(stem.casefold(), bu)
        if other != bu:
            raise ValueError(f"BUs {other!r} and {bu!r} would share the badge file name {stem!r}")
    return stems


def _safe(bu: str) -> str:
    # "Équipe" -> "Equipe" rather than "-quipe": accents are dropped, other letters replaced.
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", bu) if not unicodedata.combining(c))
    stem = _UNSAFE_IN_FILE_NAME.sub("-", decomposed).strip("-.")[:_MAX_NAME].rstrip("-.")
    return stem or "bu"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def badge_set(
    report: Report, metrics: tuple[Metric, ...], fmt: BadgeFormat, render: Callable[[Badge], str]
) -> dict[str, str]:
    """Every badge file of `--all-bus` (overall, then one per BU) and its index, by file name.

    `render` writes one badge in the format `fmt` (`outputs.registry.badge_output`).

    The index (`index.json`) maps each group ("overall" and each BU) and metric to its file
    and numbers, so that a publishing job need not guess file names.
    """
    suffix = SUFFIXES[fmt]
    stems = file_stems(list(report.metrics.by_bu))
    files: dict[str, str] = {}
    overall: dict[str, Any] = {}
    by_bu: dict[str, dict[str, Any]] = {bu: {} for bu in stems}
    for metric in metrics:
        name = f"{metric}{suffix}"
        badge = describe(report, metric)
        files[name] = render(badge)
        overall[metric] = _entry(name, badge)
        for bu, stem in stems.items():
            name = f"{metric}-{stem}{suffix}"
            badge = describe(report, metric, bu)
            files[name] = render(badge)
            by_bu[bu][metric] = _entry(name, badge)
    index = {"format": fmt, "overall": overall, "by_bu": by_bu}
    files[INDEX] = json.dumps(index, indent=2, ensure_ascii=False) + "\n"
    return files


def _entry(name: str, badge: Badge) -> dict[str, Any]:
    return {
        "file": name,
        "label": badge.label,
        "message": badge.message,
        "percent": badge.ratio.percent,
        "numerator": badge.ratio.numerator,
        "denominator": badge.ratio.denominator,
        "threshold": badge.threshold,
        "color": badge.colour,
    }
