"""`contract-gate badge`: SVG badges and shields.io endpoint JSON; numbers from samples/EXPECTED.md."""

from __future__ import annotations

import base64
import json
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, invoke

from contract_gate.outputs import badges

LEGACY = SAMPLES / "legacy"
SVG = "{http://www.w3.org/2000/svg}"
HEX = {
    "brightgreen": "#4c1",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "lightgrey": "#9f9f9f",
}

# samples/EXPECTED.md, samples/legacy: (completeness, alignment cross-bu) per group.
EXPECTED_LEGACY: dict[str, dict[str, tuple[int, int]]] = {
    "overall": {"completeness": (10, 19), "alignment": (4, 10)},
    "ECOM-BU": {"completeness": (1, 2), "alignment": (1, 3)},
    "PAYMENTS-BU": {"completeness": (1, 1), "alignment": (1, 1)},
    "MARKETING-BU": {"completeness": (5, 5), "alignment": (2, 7)},
    "LOGISTICS-BU": {"completeness": (3, 4), "alignment": (0, 1)},
    "(unowned)": {"completeness": (0, 7), "alignment": (3, 7)},
}
EXPECTED_PERCENT = {(10, 19): 52.6, (4, 10): 40.0, (1, 2): 50.0, (1, 3): 33.3, (1, 1): 100.0, (5, 5): 100.0}
EXPECTED_PERCENT |= {(2, 7): 28.6, (3, 4): 75.0, (0, 1): 0.0, (0, 7): 0.0, (3, 7): 42.9}

NON_ASCII_BU = "Équipe Paiements — Île-de-France"
LONG_LABEL = "documentation completeness of every external operation owned by the platform business unit"


def texts(svg: str) -> list[str]:
    """The visible texts of a badge (the shadow copies left out), left to right."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("fill-opacity") is None]


def right_fill(svg: str) -> str:
    """The fill of the message (right-hand) part of a badge."""
    root = ET.fromstring(svg)
    (fill,) = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("x") is not None]
    assert fill is not None
    return fill


def badge_ok(*args: str | Path) -> tuple[str, str]:
    """`contract-gate [--config C] badge ARGS` that must exit 0: (stdout, stderr)."""
    result = invoke(*args) if args and args[0] == "--config" else invoke("badge", *args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_svg_parses_and_shows_the_label_and_the_percentage() -> None:
    svg, _ = badge_ok(LEGACY)
    assert texts(svg) == ["completeness", "52.6%"]
    title = ET.fromstring(svg).find(f"{SVG}title")
    assert title is not None
    assert title.text == "documentation completeness: 10/19 external operations, threshold 95%"
    assert right_fill(svg) == HEX["red"]  # 52.6 is more than 25 points below 95


def test_alignment_badge_of_one_bu_with_its_counts_in_the_tooltip() -> None:
    svg, _ = badge_ok(LEGACY, "--metric", "alignment", "--bu", "ECOM-BU")
    assert texts(svg) == ["ECOM-BU SLO alignment", "33.3%"]
    overall, _ = badge_ok(LEGACY, "--metric", "alignment")
    title = ET.fromstring(overall).find(f"{SVG}title")
    assert title is not None
    assert title.text == "SLO alignment (cross-bu): 4/10 pairs, 2 out of view, threshold 90%"


@pytest.mark.parametrize(
    ("threshold", "colour"),
    [
        # 10/19 = 52.63…%: compared exactly, not as the rounded 52.6 shown.
        ("52.62", "brightgreen"),
        ("52.64", "yellow"),
        ("62.63", "yellow"),
        ("62.64", "orange"),
        ("77.63", "orange"),
        ("77.64", "red"),
        ("0", "brightgreen"),
    ],
)
def test_completeness_colour_by_band_against_the_threshold(threshold: str, colour: str) -> None:
    svg, _ = badge_ok(LEGACY, "--min-completeness", threshold)
    assert right_fill(svg) == HEX[colour]
    assert texts(svg)[1] == "52.6%"
    endpoint, _ = badge_ok(LEGACY, "--min-completeness", threshold, "--format", "shields")
    assert json.loads(endpoint)["color"] == colour


@pytest.mark.parametrize(
    ("threshold", "colour"), [("40", "brightgreen"), ("50", "yellow"), ("50.1", "orange")]
)
def test_alignment_colour_uses_min_alignment(threshold: str, colour: str) -> None:
    endpoint, _ = badge_ok(
        LEGACY, "--metric", "alignment", "--min-alignment", threshold, "--format", "shields"
    )
    assert json.loads(endpoint)["color"] == colour


def test_no_external_operation_gives_a_grey_n_a_badge() -> None:
    # ops-console.json: all four operations are internal (EXPECTED.md), so 0/0.
    svg, _ = badge_ok(LEGACY / "ops-console.json", "--min-completeness", "0")
    assert texts(svg) == ["completeness", "n/a"]
    assert right_fill(svg) == HEX["lightgrey"]
    endpoint, _ = badge_ok(LEGACY / "ops-console.json", "--format", "shields")
    assert json.loads(endpoint) == {
        "schemaVersion": 1,
        "label": "completeness",
        "message": "n/a",
        "color": "lightgrey",
    }


def test_shields_endpoint_json_has_exactly_the_endpoint_fields() -> None:
    endpoint, _ = badge_ok(LEGACY, "--metric", "alignment", "--format", "shields")
    assert json.loads(endpoint) == {
        "schemaVersion": 1,
        "label": "SLO alignment",
        "message": "40.0%",
        "color": "red",
    }
    endpoint, _ = badge_ok(LEGACY, "--bu", "PAYMENTS-BU", "--format", "shields", "--label", "payments docs")
    assert json.loads(endpoint) == {
        "schemaVersion": 1,
        "label": "payments docs",
        "message": "100.0%",
        "color": "brightgreen",
    }


def test_unknown_bu_exits_2_naming_the_bus_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "badge.svg"
    result = invoke("badge", LEGACY, "--bu", "SHIPPING-BU", "-o", target)
    assert result.exit_code == 2
    assert result.stderr == (
        'contract-gate: error: no BU "SHIPPING-BU" in the estate;'
        " BUs: ECOM-BU, LOGISTICS-BU, MARKETING-BU, PAYMENTS-BU, (unowned)\n"
    )
    assert not target.exists()


def test_a_misspelt_bu_gets_the_closest_one() -> None:
    result = invoke("badge", LEGACY, "--bu", "payments-bu")
    assert result.exit_code == 2
    assert '"payments-bu" in the estate (did you mean "PAYMENTS-BU"?); BUs: ECOM-BU,' in result.stderr


def test_a_registered_bu_without_operations_gets_an_n_a_badge(tmp_path: Path) -> None:
    config = tmp_path / "registry.toml"
    registry = ["ECOM-BU", "PAYMENTS-BU", "MARKETING-BU", "LOGISTICS-BU", "SHIPPING-BU"]
    config.write_text(f"bu-registry = {json.dumps(registry)}\n")
    svg, stderr = badge_ok(LEGACY, "--bu", "SHIPPING-BU", "--config", config)
    assert texts(svg) == ["SHIPPING-BU completeness", "n/a"]
    assert right_fill(svg) == HEX["lightgrey"]
    assert "BU SHIPPING-BU has no external operation and no pair; the badge shows n/a" in stderr


def test_all_bus_writes_every_badge_and_an_index(tmp_path: Path) -> None:
    out = tmp_path / "new" / "badges"
    _, stderr = badge_ok(LEGACY, "--all-bus", out)
    stems = {"ECOM-BU", "PAYMENTS-BU", "MARKETING-BU", "LOGISTICS-BU", "unowned"}
    expected = {"index.json"} | {
        f"{metric}{part}.svg"
        for metric in ("completeness", "alignment")
        for part in ["", *(f"-{s}" for s in stems)]
    }
    assert {p.name for p in out.iterdir()} == expected
    assert "13 files" in stderr
    assert str(out) in stderr
    index = json.loads((out / "index.json").read_text())
    groups = {"overall": index["overall"], **index["by_bu"]}
    assert set(groups) == set(EXPECTED_LEGACY)
    for group, metrics in EXPECTED_LEGACY.items():
        for metric, (numerator, denominator) in metrics.items():
            entry = groups[group][metric]
            assert (entry["numerator"], entry["denominator"]) == (numerator, denominator), (group, metric)
            percent = EXPECTED_PERCENT[(numerator, denominator)]
            assert entry["percent"] == percent
            svg = (out / entry["file"]).read_text()
            assert texts(svg)[1] == f"{percent:.1f}%"
            assert right_fill(svg) == HEX[entry["color"]]
            prefix = "" if group == "overall" else f"{group} "
            assert texts(svg)[0] == prefix + ("completeness" if metric == "completeness" else "SLO alignment")
    # Thresholds 95 / 90: MARKETING-BU documents everything, its alignment 28.6 is far below.
    assert groups["MARKETING-BU"]["completeness"]["color"] == "brightgreen"
    assert groups["MARKETING-BU"]["alignment"]["color"] == "red"
    assert groups["(unowned)"]["completeness"]["file"] == "completeness-unowned.svg"


def test_all_bus_with_one_metric_in_shields_format(tmp_path: Path) -> None:
    badge_ok(LEGACY, "--all-bus", tmp_path, "--metric", "alignment", "--format", "shields")
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"index.json", "alignment.json"} | {
        f"alignment-{s}.json" for s in ("ECOM-BU", "PAYMENTS-BU", "MARKETING-BU", "LOGISTICS-BU", "unowned")
    }
    assert json.loads((tmp_path / "alignment-LOGISTICS-BU.json").read_text()) == {
        "schemaVersion": 1,
        "label": "LOGISTICS-BU SLO alignment",
        "message": "0.0%",
        "color": "red",
    }


@pytest.mark.parametrize("extra", [["--bu", "ECOM-BU"], ["-o", "x.svg"]])
def test_all_bus_with_bu_or_output_is_a_usage_error(in_tmp: Path, extra: list[str]) -> None:
    result = invoke("badge", LEGACY, "--all-bus", in_tmp / "out", *extra)
    assert result.exit_code == 2
    assert "--all-bus" in result.stderr
    assert not (in_tmp / "out").exists()
    assert not (in_tmp / "x.svg").exists()


def test_no_specs_exits_2(in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    result = invoke("badge", in_tmp / "empty")
    assert result.exit_code == 2
    assert result.stderr.startswith("contract-gate: error:")


SPEC = """\
openapi: 3.0.3
info:
  title: {service}
  version: 1.0.0
  x-service: {service}
  x-bu-owner: "{bu}"
paths:
  /v1/things:
    get:
      operationId: listThings
      x-slo-p99: 200ms
      responses:
        '200':
          description: OK.
"""


@pytest.fixture
def odd_bus(in_tmp: Path) -> Path:
    """Three services whose owners only a permissive bu-pattern accepts: non-ASCII, and two that
    make the same file name ("ECOM BU", "ECOM/BU"). Returns the config file, beside `specs/`;
    it is not in the working directory, so other runs do not find it."""
    folder = in_tmp / "odd"
    specs = folder / "specs"
    specs.mkdir(parents=True)
    for service, bu in (("pay", NON_ASCII_BU), ("shop", "ECOM BU"), ("cart", "ECOM/BU")):
        (specs / f"{service}.yaml").write_text(SPEC.format(service=service, bu=bu), encoding="utf-8")
    config = folder / "contract-gate.toml"
    config.write_text('bu-pattern = "^.+$"\n')
    return config


def test_non_ascii_bu_label(odd_bus: Path) -> None:
    svg, _ = badge_ok("--config", odd_bus, "badge", odd_bus.parent / "specs", "--bu", NON_ASCII_BU)
    assert texts(svg) == [f"{NON_ASCII_BU} completeness", "100.0%"]
    assert right_fill(svg) == HEX["brightgreen"]


def test_all_bus_file_names_are_safe_and_never_collide(odd_bus: Path) -> None:
    badge_ok(
        "--config", odd_bus, "badge", odd_bus.parent / "specs", "--all-bus", "out", "--metric", "completeness"
    )
    index = json.loads(Path("out/index.json").read_text(encoding="utf-8"))
    files = {bu: entry["completeness"]["file"] for bu, entry in index["by_bu"].items()}
    assert set(files) == {NON_ASCII_BU, "ECOM BU", "ECOM/BU"}
    assert files[NON_ASCII_BU] == "completeness-Equipe-Paiements-Ile-de-France.svg"
    assert len(set(files.values())) == 3
    for bu, name in files.items():
        assert Path(name).name == name
        assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
        assert texts(Path("out", name).read_text(encoding="utf-8"))[0] == f"{bu} completeness"
    assert len(list(Path("out").iterdir())) == 5  # overall, three BUs, index.json


def test_file_stems_do_not_collide_by_case_or_truncation() -> None:
    bus = ["ECOM-BU", "ecom-bu", "x" * 300, "x" * 301, "日本", "../.."]
    stems = badges.file_stems(bus)
    assert len({s.casefold() for s in stems.values()}) == len(bus)
    assert all(0 < len(s) <= 100 and s[0] not in ".-" for s in stems.values())


def test_long_label_and_whitespace_as_the_browser_shows_it() -> None:
    svg, _ = badge_ok(LEGACY, "--label", LONG_LABEL)
    assert texts(svg) == [LONG_LABEL, "52.6%"]
    assert float(ET.fromstring(svg).get("width", "0")) > 500
    svg, _ = badge_ok(LEGACY, "--label", "  docs\t\tcoverage \n")
    assert texts(svg)[0] == "docs coverage"


def test_empty_label_is_a_usage_error() -> None:
    result = invoke("badge", LEGACY, "--label", " ")
    assert result.exit_code == 2


# --- in the real browser ----------------------------------------------------------------------

# For each visible <text>: the width the badge allots (textLength) and the natural width of the
# same string, measured by a probe <text> in the same <g> (same font) with the same transform.
MEASURE = """() => [...document.querySelectorAll('text')]
    .filter(t => !t.hasAttribute('fill-opacity'))
    .map(t => {
        const probe = document.createElementNS('http://www.w3.org/2000/svg', 'text');
        probe.setAttribute('transform', t.getAttribute('transform'));
        probe.textContent = t.textContent;
        t.parentNode.appendChild(probe);
        const natural = probe.getComputedTextLength();
        probe.remove();
        return {text: t.textContent, allotted: t.textLength.baseVal.value, natural: natural};
    })"""

PIXELS = """async ([png, points]) => {
    const image = new Image();
    image.src = 'data:image/png;base64,' + png;
    await image.decode();
    const canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    return points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def expected_pixel(colour: str, y: int) -> list[int]:
    """A badge colour under badgepy's overlay: a vertical gradient from #bbb to black at opacity .1."""
    rgb = (
        [int(c * 2, 16) for c in colour[1:]]
        if len(colour) == 4
        else [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    )
    overlay = 0xBB * (1 - (y + 0.5) / 20)
    return [round(0.9 * c + 0.1 * overlay) for c in rgb]


def test_badges_render_in_the_browser_with_the_right_text_widths(
    browser: Any, odd_bus: Path, tmp_path: Path
) -> None:
    cases: list[tuple[list[str | Path], str]] = [
        (
            ["badge", SAMPLES.resolve() / "legacy", "--bu", "PAYMENTS-BU", "--metric", "alignment"],
            "brightgreen",
        ),
        (["--config", odd_bus, "badge", odd_bus.parent / "specs", "--bu", NON_ASCII_BU], "brightgreen"),
        (["badge", SAMPLES.resolve() / "legacy", "--label", LONG_LABEL], "red"),
        (["badge", SAMPLES.resolve() / "legacy", "--min-completeness", "60"], "yellow"),
    ]
    page = browser.new_page()
    try:
        for number, (args, colour) in enumerate(cases):
            target = tmp_path / f"badge-{number}.svg"
            result = invoke(*args, "-o", target)
            assert result.exit_code == 0, result.output
            svg = target.read_text(encoding="utf-8")
            page.goto(target.as_uri())

            measured = page.evaluate(MEASURE)
            assert [m["text"] for m in measured] == texts(svg)
            for m in measured:
                # badgepy's table rounds each DejaVu Sans advance to a whole unit at font-size 110
                # (up to 0.5 each) and holds less kerning than the GPOS kerning Chromium applies
                # (about 1 unit per glyph for capitals like "PAYMENTS"). 1.5 units per glyph is
                # 0.15 px per glyph once scale(.1) applies: invisible, however long the text.
                tolerance = 1.5 * len(m["text"])
                assert abs(m["allotted"] - m["natural"]) <= tolerance, (
                    f"{m['text']!r}: badge allots {m['allotted']:.1f}, the browser draws it"
                    f" {m['natural']:.1f} wide (is DejaVu Sans installed?)"
                )

            shot = tmp_path / f"badge-{number}.png"
            page.locator("svg").screenshot(path=shot)
            png = shot.read_bytes()
            width, height = png_size(png)
            assert height == 20
            assert abs(width - float(ET.fromstring(svg).get("width", "0"))) <= 1
            y = 10
            left, right = page.evaluate(PIXELS, [base64.b64encode(png).decode(), [[1, y], [width - 2, y]]])
            for got, want in ((left, expected_pixel("#555", y)), (right, expected_pixel(HEX[colour], y))):
                assert all(abs(g - w) <= 6 for g, w in zip(got, want, strict=True)), (got, want)
    finally:
        page.close()


def test_measurer_reads_the_widths_plain_or_xz_compressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.resources
    import lzma

    plain = (importlib.resources.files("badgepy") / "default-widths.json").read_bytes()
    (tmp_path / "default-widths.json.xz").write_bytes(lzma.compress(plain))
    monkeypatch.setattr(badges.importlib.resources, "files", lambda _package: tmp_path)
    from_xz = badges.measurer.__wrapped__()
    widths = json.loads(plain)["character-lengths"]
    assert from_xz.text_width("ÉIl") == widths["É"] + widths["I"] + widths["l"] > 0
