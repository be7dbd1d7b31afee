"""Take the screenshots of docs/portal.md: the portal of samples/legacy in headless Chromium.

.venv/bin/python tests/tools/portal_screenshots.py     # writes docs/portal-*.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def main() -> int:
    """Build the site of samples/legacy, then shoot its index and an expanded operation."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed: run `make test-deps`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        contract_gate = str(Path(sys.executable).parent / "contract-gate")
        subprocess.run([contract_gate, "portal", "samples/legacy", "-o", str(site)], cwd=REPO, check=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto((site / "index.html").as_uri())
            page.screenshot(path=str(DOCS / "portal-index.png"), full_page=True)
            page.goto((site / "services" / "storefront-api.html").as_uri())
            operation = page.locator(".cg-operation[data-operation='GET /api/v1/cart/{cartId}']")
            operation.locator(".opblock-summary").click()
            operation.locator(".cg-panel").wait_for()
            operation.screenshot(path=str(DOCS / "portal-operation.png"))
            browser.close()
    for name in ("portal-index.png", "portal-operation.png"):
        print(f"wrote docs/{name} ({(DOCS / name).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
