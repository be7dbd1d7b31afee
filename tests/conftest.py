"""Shared test helpers: run the gate in-process and read its JSON report."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from contract_gate.cli.main import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
SAMPLES = REPO / "samples"


def invoke(*args: str | Path) -> Result:
    """Run `contract-gate ARGS` in-process."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@contextlib.contextmanager
def counting_server(body: bytes = b"{}") -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that answers `body` and records every request: (url, hits)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_HEAD = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def checker_recursion_limit() -> Iterator[None]:
    """The recursion limit check_file raises on its first run, raised before, restored after.

    Hypothesis fails an example during which the limit changes: property tests that call the
    checker run inside this.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git (in `cwd`, else the current folder); its standard output."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def init_git_repo(folder: Path) -> None:
    """A new repository in `folder` with a local identity and no commit signing."""
    git("init", "-q", "-b", "main", cwd=folder)
    settings = {"user.name": "Test", "user.email": "test@example.invalid", "commit.gpgsign": "false"}
    for key, value in settings.items():
        git("config", key, value, cwd=folder)


def check_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    """`contract-gate check ARGS --format json`: (exit code, report)."""
    result = invoke("check", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_tree(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs of the CLI cache their results in a temp folder, not in the repository's folders."""
    os.environ["CONTRACT_GATE_CACHE_DIR"] = str(tmp_path_factory.mktemp("contract-gate-cache"))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in an empty temporary folder (no config of the repo is found from there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (`make test-deps` installs it)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "chromium is not installed: run `make test-deps`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus on 127.0.0.1 over the backfilled TSDB of prometheus_data; its URL."""
    from prometheus_data import running_prometheus

    with running_prometheus(tmp_path_factory.mktemp("prometheus")) as url:
        yield url
