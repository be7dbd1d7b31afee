"""Regenerate tests/golden/ (`make golden`): every `check --format` of one Report of samples/legacy.

Never edit the golden files by hand: change a formatter, run `make golden`, review the diff.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from contract_gate.catalog import RULES_BY_ID
from contract_gate.config.settings import Config, LoadedConfig
from contract_gate.engine.checker import Settings
from contract_gate.engine.run import Report, run
from contract_gate.history.policy import judge
from contract_gate.outputs.registry import as_text, check_output, formats

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
SUFFIXES = {
    "text": "txt",
    "json": "json",
    "sarif": "sarif",
    "junit": "xml",
    "github": "txt",
    "gitlab": "json",
    "markdown": "md",
}


def legacy_report() -> Report:
    """samples/legacy with the default configuration, checked in-process from the repo root.

    From the repo root every path is `samples/legacy/...`: nothing absolute, nothing of the machine.
    """
    legacy = REPO / "samples" / "legacy"
    # What the command line adds: every policy key, here all defaults (no config file, no policy).
    judged_by = judge(LoadedConfig(Config(), REPO, None), {}, RULES_BY_ID).judged_by
    with contextlib.chdir(REPO):
        report = run([Path("samples/legacy")], Settings(config=Config(), ref_root=legacy), base=REPO)
    return replace(report, judged_by=judged_by)


def golden_path(fmt: str) -> Path:
    """Where the golden output of one format lives."""
    return GOLDEN / f"legacy.{fmt}.{SUFFIXES.get(fmt, 'json')}"


def main() -> None:
    """Write one golden file per format, and remove those of formats that no longer exist."""
    report = legacy_report()
    GOLDEN.mkdir(exist_ok=True)
    wanted = {golden_path(fmt): as_text(check_output(fmt)(report)) for fmt in formats("check")}
    for stale in set(GOLDEN.glob("legacy.*")) - set(wanted):
        stale.unlink()
    for path, text in sorted(wanted.items()):
        path.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
