"""The published contract of the governance extensions, as pydantic models.

Their JSON Schemas are generated into `schemas/` (`make schemas`); `extensions.py`
checks values without them and asks them only about an `x-calls`/`x-consumers`
entry that is not plainly well-formed, for the message that says what is wrong.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from contract_gate.extensions.values import (
    DEFAULT_BU_PATTERN,
    OPERATION_REF,
    SLO_PATTERN,
    Entry,
    EntryList,
)

BuOwner = Annotated[
    str,
    StringConstraints(pattern=DEFAULT_BU_PATTERN),
    Field(
        title="x-bu-owner",
        description="The business unit that owns the operation, e.g. ECOM-BU.",
        examples=["ECOM-BU", "PAYMENTS"],
    ),
]

SloP99 = Annotated[
    str,
    StringConstraints(pattern=SLO_PATTERN),
    Field(
        title="x-slo-p99",
        description='The p99 latency the operation promises: "<number>ms" or "<number>s".',
        examples=["800ms", "1.5s"],
    ),
]


class GovernanceExtensions(BaseModel):
    """The extensions as they may appear on an operation, a path item, `info` or the root."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    x_bu_owner: BuOwner | None = Field(default=None, alias="x-bu-owner")
    x_slo_p99: SloP99 | None = Field(default=None, alias="x-slo-p99")
    x_internal: bool | None = Field(
        default=None,
        alias="x-internal",
        description="true on an operation or path item keeps it out of the metrics.",
    )


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    service: str = Field(min_length=1, description="Service id of the other side (its info.x-service).")
    operation: str = Field(
        min_length=1,
        pattern=OPERATION_REF,
        description='The other side\'s operationId, or "METHOD /path" such as "POST /v1/payments".',
    )
    x_slo_p99: Any = Field(
        default=None,
        alias="x-slo-p99",
        description='A duration such as "300ms" (checked like x-slo-p99).',
        json_schema_extra={"type": "string", "pattern": SLO_PATTERN},
    )
    description: str | None = None


class CallEntry(_Entry):
    """One `x-calls` item: an operation of another service this operation calls, and its budget."""

    # The tool reports a missing budget itself (call-invalid); editors should ask for it.
    model_config = ConfigDict(json_schema_extra={"required": ["service", "operation", "x-slo-p99"]})

    mode: Literal["sync", "async"] = Field("sync", description="async calls are not waited for.")


class ConsumerEntry(_Entry):
    """One `x-consumers` item: a known consumer of this operation and the p99 agreed with it."""


_MODELS: dict[str, type[_Entry]] = {"x-calls": CallEntry, "x-consumers": ConsumerEntry}


def parse_with_pydantic(
    kind: EntryList, known: dict[Any, Any], raw: dict[Any, Any]
) -> tuple[Entry | None, str]:
    """`known` (an entry without its own x- keys) validated by the model of `kind`, or why not."""
    model = _MODELS[kind]
    try:
        entry = model.model_validate(known)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "entry"
        if first["type"] == "missing":
            return None, f"{where} is missing"
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(f.alias or name for name, f in model.model_fields.items())
            return None, f'unknown key "{where}" (allowed: {allowed})'
        if where == "operation" and first["type"] == "string_pattern_mismatch":
            return None, f'operation "{raw.get("operation")}" is neither an operationId nor "METHOD /path"'
        return None, f"{where}: {first['msg']}"
    return Entry(entry.service, entry.operation, entry.x_slo_p99, getattr(entry, "mode", "sync")), ""
