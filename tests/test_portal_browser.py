"""The contract portal as a person uses it, in headless Chromium (Playwright), from file://.

Expected values come from samples/EXPECTED.md (operation #1 getCart, pairs L8-L10, statuses of
the 14 pairs), never from our own output. Every test asserts that no request left the site.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, invoke

LEGACY = SAMPLES / "legacy"
STATUSES = {"aligned", "violated", "undeclared", "unresolved", "out-of-view"}
# Runs before each page's own scripts: what the Content-Security-Policy blocked, if anything.
CSP_WATCH = """
window.cspBlocked = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspBlocked.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("portal") / "site"
    result = invoke("portal", LEGACY, "-o", out)
    assert result.exit_code == 0, result.output
    return out


class Visit:
    """A browser page that records every request and every script error."""

    def __init__(self, context: Any, site: Path) -> None:
        context.add_init_script(CSP_WATCH)
        self.page = context.new_page()
        self.site = site.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: self.errors.append(f"dialog: {dialog.message}"))

    def open(self, path: str) -> Any:
        self.page.goto(f"{self.site}/{path}")
        return self.page

    def blocked(self) -> list[str]:
        """What the page's CSP refused so far: nothing, when the site needs nothing from elsewhere."""
        blocked: list[str] = self.page.evaluate("window.cspBlocked")
        return blocked

    def left_the_site(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.site + "/")]


@pytest.fixture
def visit(browser: Any, site: Path) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    visit = Visit(context, site)
    try:
        yield visit
    finally:
        context.close()
    assert visit.left_the_site() == [] and visit.errors == []


def expand(page: Any, operation: str) -> Any:
    """Click an operation's summary; its contract panel."""
    block = page.locator(f".cg-operation[data-operation='{operation}']")
    block.locator(".opblock-summary").click()
    panel = block.locator(".cg-panel")
    panel.wait_for()
    return panel


def test_a_person_filters_opens_a_service_and_follows_a_pair(visit: Visit) -> None:
    page = visit.open("index.html")
    assert "52.6%" in page.locator("#metric-completeness").inner_text()
    assert "FAIL" in page.locator("#metric-completeness .gate").inner_text()
    assert "40.0%" in page.locator("#metric-alignment").inner_text()
    rows = page.locator("#services tbody tr")

    def shown_services() -> list[str]:
        return [
            rows.nth(i).locator("a").inner_text() for i in range(rows.count()) if rows.nth(i).is_visible()
        ]

    page.locator("#filter").fill("ECOM-BU")
    assert shown_services() == ["storefront-api"]
    assert page.locator("#shown-count").inner_text() == "1"
    page.locator("#filter").fill("")
    page.locator("#bu-filter").select_option("MARKETING-BU")
    assert shown_services() == ["loyalty-service", "voucher-service"]
    page.locator("#bu-filter").select_option("")
    page.locator("#services a", has_text="storefront-api").click()
    page.wait_for_url("**/services/storefront-api.html")
    panel = expand(page, "GET /api/v1/cart/{cartId}")
    assert panel.locator(".cg-owner .cg-value").inner_text() == "ECOM-BU"
    assert "the operation" in panel.locator(".cg-owner .cg-declared").inner_text()
    assert panel.locator(".cg-slo .cg-value").inner_text() == "400ms"
    callees = panel.locator(".cg-callees tbody tr")
    seen = {
        callees.nth(i).locator("a").inner_text(): [
            callees.nth(i).locator(f".cg-{name}").inner_text() for name in ("budget", "commitment", "agreed")
        ]
        + [callees.nth(i).locator(".cg-pill").inner_text()]
        for i in range(callees.count())
    }
    assert seen == {
        "billing-gateway · GET /v1/payment-methods": ["150ms", "100ms", "150ms", "aligned"],
        "loyalty-service · GET /v2/members/{memberId}/points": ["200ms", "2s", "250ms", "violated"],
        "voucher-service · GET /v1/vouchers/{voucherCode}": ["100", "150ms", "—", "undeclared"],
    }
    panel.locator("a", has_text="loyalty-service").click()
    page.wait_for_url("**/services/loyalty-service.html#/**")
    opened = page.locator(".cg-operation[data-operation='GET /v2/members/{memberId}/points']")
    opened.locator(".opblock.is-open").wait_for()
    callers = opened.locator(".cg-callers").inner_text()
    assert "storefront-api · GET /api/v1/cart/{cartId}" in callers
    assert opened.locator(".cg-slo .cg-value").inner_text() == "2s"
    page.wait_for_function("window.scrollY > 0")  # scrolled to the operation
    assert visit.blocked() == []  # Swagger UI needs no 'unsafe-inline' or 'unsafe-eval'


def test_every_pair_status_is_shown(visit: Visit, site: Path) -> None:
    shown: set[str] = set()
    internal = 0
    for page_file in sorted((site / "services").glob("*.html")):
        page = visit.open(f"services/{page_file.name}")
        page.locator(".cg-operation").first.wait_for()
        operations = page.locator(".cg-operation")
        internal += page.locator(".cg-marks .cg-internal-mark").count()
        for index in range(operations.count()):
            operations.nth(index).locator(".opblock-summary").click()
        pills = page.locator(".cg-panel .cg-pill")
        shown |= {pills.nth(i).inner_text() for i in range(pills.count())}
    assert shown == STATUSES
    assert internal == 7  # operations #20-#26 of EXPECTED.md are internal


def test_the_site_renders_fully_with_the_network_cut_off(browser: Any, site: Path) -> None:
    context = browser.new_context(offline=True)
    try:
        visit = Visit(context, site)
        page = visit.open("index.html")
        for image in ("#graph", "#metric-completeness img", "#bus img"):
            loaded = page.locator(image).first.evaluate("img => img.complete && img.naturalWidth > 0")
            assert loaded, image
        page = visit.open("services/billing-gateway.html")
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() == 6 and page.locator(".info .title").is_visible()
        assert visit.blocked() == []
        assert visit.errors == [] and visit.left_the_site() == []
    finally:
        context.close()


def test_a_hostile_spec_renders_inert_and_bounded(browser: Any, tmp_path: Path) -> None:
    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": "Hostile <img src=x onerror=alert(1)>",
            "version": "1",
            "x-service": "hostile",
            "description": "<script>window.pwned = 1</script> [click](javascript:window.pwned=2)",
            "termsOfService": "javascript:window.pwned=3",
        },
        "paths": {
            "/a": {
                "get": {
                    "operationId": "<svg onload=alert(4)>",
                    "x-bu-owner": "<b>BU</b>",
                    "x-slo-p99": "100ms",
                    "description": "<iframe src=https://example.com></iframe>" + "A" * 1_000_000,
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    (tmp_path / "hostile.json").write_text(json.dumps(spec), encoding="utf-8")
    (tmp_path / "contract-gate.toml").write_text('bu-pattern = ".+"\n', encoding="utf-8")
    out = tmp_path / "site"
    config = tmp_path / "contract-gate.toml"
    result = invoke("portal", tmp_path / "hostile.json", "--config", config, "-o", out)
    assert result.exit_code == 0, result.output
    assert max(f.stat().st_size for f in (out / "services").iterdir()) < 200_000
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        visit = Visit(context, out)
        page = visit.open("services/hostile.html")
        page.locator(".info").wait_for()
        assert "<script>window.pwned = 1</script>" in page.locator(".info .description").inner_text()
        assert page.locator("a[href^='javascript' i], a[href*='script:' i]").count() == 0
        panel = expand(page, "GET /a")
        assert panel.locator(".cg-owner .cg-value").inner_text() == "<b>BU</b>"
        description = page.locator(".opblock-description .markdown, .opblock-description .renderedMarkdown")
        assert "<iframe" in description.first.inner_text()
        assert description.first.bounding_box()["height"] < 600
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        assert page.locator("#swagger-ui script, #swagger-ui iframe, #swagger-ui img[src='x']").count() == 0
        index = visit.open("index.html")
        assert "Hostile <img src=x onerror=alert(1)>" in index.locator("#services").inner_text()
        assert page.evaluate("window.pwned") is None
        assert visit.errors == [] and visit.left_the_site() == []
    finally:
        context.close()


def test_deep_links_open_operations_with_awkward_tags_and_ids(browser: Any, tmp_path: Path) -> None:
    """Tags with spaces, operationIds with dots, slashes or a leading digit, no operationId at all."""
    operations = {
        "/a/{id}": {"get": {"tags": ["Order admin"], "operationId": "Orders.get"}},
        "/b": {"post": {"tags": ["Events"], "operationId": "post-/events/v3/send"}},
        "/c": {"get": {"operationId": "547636a6f918230da855363f"}},
        "/d-e/{x}": {"delete": {"tags": ["Ünïcode tag"]}},
    }
    paths = {
        path: {
            method: {
                **op,
                "x-bu-owner": "ECOM-BU",
                "x-slo-p99": "100ms",
                "responses": {"200": {"description": "ok"}},
            }
            for method, op in item.items()
        }
        for path, item in operations.items()
    }
    spec = {"openapi": "3.0.3", "info": {"title": "awkward", "version": "1"}, "paths": paths}
    (tmp_path / "awkward.json").write_text(json.dumps(spec), encoding="utf-8")
    out = tmp_path / "site"
    assert invoke("portal", tmp_path / "awkward.json", "-o", out).exit_code == 0
    data = (out / "services" / "awkward.data.js").read_text(encoding="utf-8")
    anchors = {
        key: op["anchor"] for key, op in json.loads(data.split(" = ", 1)[1][:-2])["operations"].items()
    }
    assert len(anchors) == 4
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        for key, anchor in anchors.items():
            visit = Visit(context, out)  # a new page: a hash change alone would keep the last one open
            page = visit.open(f"services/awkward.html{anchor}")
            method, path = key.split(" ", 1)
            opened = page.locator(f".cg-operation[data-operation='{method.upper()} {path}']")
            opened.locator(".opblock.is-open").wait_for()
            opened.locator(".cg-panel").wait_for()
            assert page.locator(".opblock.is-open").count() == 1, key
            assert visit.errors == [] and visit.left_the_site() == []
            visit.page.close()
    finally:
        context.close()
