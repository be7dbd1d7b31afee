"""The package's shape: stages as packages, each under import-linter's layers and documented."""

from __future__ import annotations

import tomllib

from conftest import REPO

PACKAGE = REPO / "contract_gate"


def _stages() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _layered() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in layer.split("|")}
    return {name.removeprefix("contract_gate.") for name in named}


def test_every_stage_is_a_layer_of_the_import_contract() -> None:
    # A package outside the layers would escape the contract: its imports go unchecked.
    assert _stages() <= _layered(), _stages() - _layered()


def test_at_most_eight_modules_at_the_top_of_the_package() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules


def test_every_stage_has_a_docstring_and_is_documented() -> None:
    architecture = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    for stage in sorted(_stages()):
        init = (PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")
        assert init.startswith('"""'), f"{stage}/__init__.py has no docstring"
        assert f"`{stage}`" in architecture, f"docs/architecture.md does not describe {stage}"
        assert f"  {stage}/" in layout, f"README's Layout does not show {stage}/"


def test_the_published_models_spell_the_pair_statuses_of_the_estate() -> None:
    # The JSON report's and the audit's schemas list the statuses as a Literal (so schemas/
    # shows them inline); they must stay the PairStatus the estate computes.
    from typing import get_args

    from contract_gate.estate.alignment import PairStatus
    from contract_gate.outputs.audit import AuditPairModel
    from contract_gate.outputs.report_model import PairModel

    statuses = [status.value for status in PairStatus]
    for model in (PairModel, AuditPairModel):
        assert list(get_args(model.model_fields["status"].annotation)) == statuses, model
