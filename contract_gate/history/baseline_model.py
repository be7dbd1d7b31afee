"""The baseline file's format as pydantic models (imported only to read or write one)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BaselineToolModel(_Model):
    """Who wrote the baseline."""

    name: Literal["contract-gate"]
    version: str


class BaselineEntryModel(_Model):
    """One accepted finding: the fingerprint counts, the rest is for humans."""

    fingerprint: str = Field(pattern=r"^[0-9a-f]{8,64}$")
    rule: str
    file: str | None
    operation: str | None
    message: str


class BaselineModel(_Model):
    """A baseline file."""

    version: Literal[1]
    tool: BaselineToolModel
    findings: list[BaselineEntryModel]
