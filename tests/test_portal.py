"""`contract-gate portal PATH… -o DIR`: the files of the site, without a browser.

What a person sees in the pages is tested in Chromium (test_portal_browser.py); here: every
page is self-contained (CSP, relative links that resolve inside DIR), rebuilding touches only
what changed and removes the pages of services that are gone, spec text is made inert, and a
service whose spec text is not among the inputs still gets its page.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import SAMPLES, invoke

from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings
from contract_gate.engine.run import run
from contract_gate.outputs.portal.naming import page_stems
from contract_gate.outputs.portal.site import build_site
from contract_gate.outputs.portal.spec_view import MAX_TEXT, spec_view

LEGACY = SAMPLES / "legacy"
LEGACY_SERVICES = [
    "billing-gateway",
    "loyalty-service",
    "ops-console",
    "returns-service",
    "storefront-api",
    "voucher-service",
]


def build(out: Path, *paths: Path) -> str:
    result = invoke("portal", *(paths or (LEGACY,)), "-o", out)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stderr


def script_data(file: Path) -> Any:
    """The JSON a `window.NAME = …;` data script holds."""
    text = file.read_text(encoding="utf-8")
    match = re.fullmatch(r"window\.\w+ = (.*);\n", text, re.DOTALL)
    assert match, text[:80]
    return json.loads(match.group(1))


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.csp: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.refs += [v for k, v in attrs if k in {"src", "href"} and v is not None]
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.csp.append(values.get("content") or "")


def test_every_page_is_self_contained(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(site)
    pages = sorted(site.rglob("*.html"))
    assert {p.stem for p in (site / "services").glob("*.html")} == set(LEGACY_SERVICES)
    for page in pages:
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        (csp,) = parser.csp
        assert "default-src 'none'" in csp and "connect-src 'none'" in csp, page
        assert "http" not in csp and "*" not in csp, csp
        for ref in parser.refs:
            parts = urlsplit(ref)
            assert not parts.scheme and not parts.netloc and not ref.startswith("/"), (page, ref)
            if parts.path:
                target = (page.parent / parts.path).resolve()
                assert target.is_file() and site.resolve() in target.parents, (page, ref)
    for svg in site.rglob("*.svg"):
        assert "http://" not in svg.read_text(encoding="utf-8").replace("http://www.w3.org/", ""), svg


def test_the_data_file_holds_each_operations_contract_and_links(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(site)
    data = script_data(site / "services" / "storefront-api.data.js")
    cart = data["operations"]["get /api/v1/cart/{cartId}"]
    assert (cart["owner"]["value"], cart["owner"]["level"]) == ("ECOM-BU", "operation")
    assert cart["slo"]["value"] == "400ms"
    # L8-L10 of samples/EXPECTED.md
    callees = cart["callees"]
    assert {p["service"]: (p["status"], p["budget"], p["commitment"], p["agreed"]) for p in callees} == {
        "billing-gateway": ("aligned", "150ms", "100ms", "150ms"),
        "loyalty-service": ("violated", "200ms", "2s", "250ms"),
        "voucher-service": ("undeclared", "100", "150ms", None),
    }
    for pair in cart["callees"]:
        page, _, anchor = pair["href"].partition("#")
        assert (site / "services" / page).is_file() and anchor.startswith("/")
    loyalty = script_data(site / "services" / "loyalty-service.data.js")
    anchors = {op["anchor"] for op in loyalty["operations"].values()}
    assert any(p["href"].endswith(a) for p in cart["callees"] for a in anchors if a)


def test_rebuild_writes_only_what_changed_and_removes_gone_services(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(LEGACY, specs)
    site = tmp_path / "site"
    build(site, specs)
    (site / "README.txt").write_text("not ours\n", encoding="utf-8")
    index = site / "index.html"
    before = {p: p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    assert "0 files written" in build(site, specs)
    assert {p: p.stat().st_ino for p in site.rglob("*") if p.is_file() and p.name[0] != "."} == {
        p: i for p, i in before.items() if p.name[0] != "."
    }
    (specs / "voucher-service.yaml").unlink()
    said = build(site, specs)
    assert "3 removed" in said, said
    assert not list((site / "services").glob("voucher-service.*"))
    assert (site / "README.txt").read_text(encoding="utf-8") == "not ours\n"
    assert index.stat().st_ino != before[index]  # the index changed: one service fewer
    assert "voucher-service.html" not in index.read_text(encoding="utf-8")
    assert not list(site.rglob("*.tmp"))


def test_without_spec_text_a_service_page_lists_its_operations_from_the_contract(tmp_path: Path) -> None:
    report = run([LEGACY], Settings(config=Config(), ref_root=SAMPLES.resolve(), debug=False))
    build_site(report, tmp_path / "site", [tmp_path])  # the specs are not among these inputs
    page = (tmp_path / "site" / "services" / "returns-service.html").read_text(encoding="utf-8")
    assert 'id="no-spec"' in page
    spec = script_data(tmp_path / "site" / "services" / "returns-service.spec.js")
    data = script_data(tmp_path / "site" / "services" / "returns-service.data.js")
    assert data["from_spec"] is False
    listed = {f"{method} {path}" for path, item in spec["paths"].items() for method in item}
    assert listed == set(data["operations"]) and listed


def test_spec_text_is_inert_and_bounded(tmp_path: Path) -> None:
    spec = tmp_path / "svc.yaml"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {
                    "title": "svc",
                    "version": "1",
                    "description": "<script>alert(1)</script> `List<String>` [x](javascript:alert(2))",
                    "termsOfService": " java\tscript:alert(3)",
                    "x-bu-owner": "ECOM-BU",
                },
                "paths": {
                    "/a": {
                        "get": {
                            "x-slo-p99": "100ms",
                            "description": "x" * 1_000_000,
                            "responses": {
                                "200": {
                                    "description": "ok",
                                    "content": {"application/json": {"example": {"description": "<b>"}}},
                                },
                                "404": {"$ref": "other.yaml#/components/responses/NotFound"},
                            },
                        }
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    report = run([spec], Settings(config=Config(), ref_root=tmp_path, debug=False))
    view = spec_view(report.services[0], [spec], report.config.limits)
    info, get = view.document["info"], view.document["paths"]["/a"]["get"]
    assert view.from_spec
    assert info["description"].startswith("&lt;script>alert(1)&lt;/script> `List<String>`")
    assert info["termsOfService"] == "" and "x-bu-owner" not in info and "x-slo-p99" not in get
    assert MAX_TEXT < len(get["description"]) < MAX_TEXT + 100 and "more characters" in get["description"]
    assert get["responses"]["200"]["content"]["application/json"]["example"] == {"description": "<b>"}
    assert "other.yaml" in get["responses"]["404"]["description"] and "$ref" not in get["responses"]["404"]
    assert view.anchors == {("get", "/a"): "#/default/get_a"}


def test_page_names_are_distinct_and_stay_inside_the_site() -> None:
    ids = ["order-service", "Order-Service", "../../etc/passwd", "", "commande-é", "a/b"]
    stems = page_stems(ids)
    assert stems["order-service"] == "order-service"
    assert len(set(stems.values())) == len(ids)
    assert len({s.casefold() for s in stems.values()}) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", s) for s in stems.values()), stems


def test_an_output_that_is_a_file_exits_2_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.write_text("a file\n", encoding="utf-8")
    result = invoke("portal", LEGACY, "-o", target)
    assert result.exit_code == 2
    assert str(target) in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.txt"])
def test_a_tampered_manifest_never_removes_files_outside_the_site(tmp_path: Path, name: str) -> None:
    site = tmp_path / "site"
    build(site)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    manifest = site / ".contract-gate-portal.json"
    files = json.loads(manifest.read_text(encoding="utf-8"))
    files["files"][name] = ["0" * 64, 5]
    manifest.write_text(json.dumps(files), encoding="utf-8")
    build(site)
    assert outside.read_text(encoding="utf-8") == "keep\n" and Path("/etc/passwd").exists()


def test_a_portal_from_snapshots_shows_the_contracts_the_specs_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The estate job publishes the portal from snapshots (SPEC §11): same owners, SLOs and pairs."""
    monkeypatch.chdir(SAMPLES.parent)
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    for spec in sorted(LEGACY.iterdir()):
        if spec.stem == "voucher-service":
            continue  # checked from its spec below
        exported = invoke("export", spec.relative_to(SAMPLES.parent), "-o", snapshots / f"{spec.stem}.json")
        assert exported.exit_code == 0, exported.output
    build(tmp_path / "from-specs", LEGACY)
    # The snapshots name files that exist here and lie inside an input: still no spec text is used.
    build(tmp_path / "from-snapshots", snapshots, LEGACY / "voucher-service.yaml")
    for service in LEGACY_SERVICES:
        specs = script_data(tmp_path / "from-specs" / "services" / f"{service}.data.js")
        contracts = script_data(tmp_path / "from-snapshots" / "services" / f"{service}.data.js")
        # Only the service checked from its spec, beside the snapshots, has its spec shown.
        assert contracts["from_spec"] is (service == "voucher-service")
        for key, op in specs["operations"].items():
            other = contracts["operations"][key]
            for field in ("owner", "slo", "findings", "internal"):
                assert other.get(field) == op.get(field), (service, key, field)
            # Deep links differ: without the spec Swagger UI groups no operation under a tag.
            for side in ("callers", "callees"):
                unlinked = [{k: v for k, v in pair.items() if k != "href"} for pair in op[side]]
                assert [{k: v for k, v in p.items() if k != "href"} for p in other[side]] == unlinked
