"""JSON Schemas generated from the pydantic models into `schemas/` (`make schemas`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from contract_gate.atomic import write_atomic
from contract_gate.config.model import model_of
from contract_gate.config.settings import Config
from contract_gate.extensions.models import BuOwner, CallEntry, ConsumerEntry, GovernanceExtensions, SloP99
from contract_gate.outputs.audit import AuditModel
from contract_gate.outputs.report_model import ReportModel
from contract_gate.snapshot.model import SnapshotModel

_BASE_ID = "urn:contract-gate:schema:"


def _document(name: str, schema: dict[str, Any], title: str) -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _BASE_ID + name,
        **schema,
        "title": title,
    }
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def _model(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True, mode="serialization")


def generate() -> dict[str, str]:
    """File name -> schema text, for every published schema."""
    return {
        "x-bu-owner.schema.json": _document(
            "x-bu-owner.schema.json", TypeAdapter(BuOwner).json_schema(), "x-bu-owner"
        ),
        "x-slo-p99.schema.json": _document(
            "x-slo-p99.schema.json", TypeAdapter(SloP99).json_schema(), "x-slo-p99"
        ),
        "x-calls.schema.json": _document(
            "x-calls.schema.json",
            TypeAdapter(list[CallEntry]).json_schema(by_alias=True),
            "x-calls: the operations of other services this operation calls",
        ),
        "x-consumers.schema.json": _document(
            "x-consumers.schema.json",
            TypeAdapter(list[ConsumerEntry]).json_schema(by_alias=True),
            "x-consumers: known consumers of this operation and the p99 agreed with each",
        ),
        "extensions.schema.json": _document(
            "extensions.schema.json",
            _model(GovernanceExtensions),
            "contract-gate extensions on an operation, path item, info or root",
        ),
        "config.schema.json": _document(
            "config.schema.json",
            model_of(Config).model_json_schema(by_alias=True, mode="validation"),
            "contract-gate configuration",
        ),
        "report.schema.json": _document("report.schema.json", _model(ReportModel), "contract-gate report"),
        "audit.schema.json": _document(
            "audit.schema.json", _model(AuditModel), "contract-gate audit: the operations one BU owns"
        ),
        "snapshot.schema.json": _document(
            "snapshot.schema.json",
            SnapshotModel.model_json_schema(by_alias=True, mode="validation"),
            "contract-gate snapshot: a repository's contracts, for checks in other repositories",
        ),
    }


def main(argv: list[str]) -> int:
    """Write every schema into the folder named by argv[0] (default: schemas)."""
    folder = Path(argv[0] if argv else "schemas")
    for name, text in generate().items():
        write_atomic(folder / name, text)
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
