"""pydantic models of the settings dataclasses of `config.py`: full validation, the JSON Schema.

Imported only when a config table is not plainly valid (pydantic then says what is wrong) or
when the schema is generated: the models are built from the dataclass fields, so the two
cannot drift apart.
"""

from __future__ import annotations

import difflib
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from contract_gate.config.fields import ConfigError, settings_fields

SettingsT = TypeVar("SettingsT")
_MODELS: dict[type, type[BaseModel]] = {}


def model_of(kind: type) -> type[BaseModel]:
    """The pydantic model of a settings dataclass (unknown keys refused, keys as aliases)."""
    if kind in _MODELS:
        return _MODELS[kind]
    declared = {item.name: item for item in fields(kind)}
    definitions: dict[str, Any] = {}
    for spec in settings_fields(kind):
        rules = spec.setting
        nested = model_of(spec.hint) if isinstance(spec.hint, type) and is_dataclass(spec.hint) else None
        hint = nested or spec.hint
        if rules.check is not None:
            hint = Annotated[hint, AfterValidator(rules.check)]
        own = declared[spec.name]
        default: dict[str, Any] = (
            {"default": own.default}
            if own.default is not MISSING
            else {"default_factory": nested or own.default_factory}
        )
        definitions[spec.name] = (
            hint,
            Field(
                **default,
                alias=spec.key if spec.key != spec.name else None,
                description=rules.description,
                ge=rules.ge,
                le=rules.le,
                gt=rules.gt,
                min_length=rules.min_length,
            ),
        )
    _MODELS[kind] = create_model(
        kind.__name__,
        __config__=ConfigDict(extra="forbid", frozen=True),
        __doc__=kind.__doc__,
        __module__=kind.__module__,
        **definitions,
    )
    return _MODELS[kind]


def validate_with_pydantic(kind: type[SettingsT], table: Any, source: Path | None, prefix: str) -> SettingsT:
    """`table` validated by the model of `kind`, as a `kind`; ConfigError lists what is wrong."""
    try:
        validated = model_of(kind).model_validate(table)
    except ValidationError as error:
        raise ConfigError(_describe(error, kind, source, prefix)) from None
    return cast(SettingsT, _dataclass(kind, validated))


def _dataclass(kind: type, validated: BaseModel) -> Any:
    values = {}
    for spec in settings_fields(kind):
        value = getattr(validated, spec.name)
        values[spec.name] = _dataclass(spec.hint, value) if isinstance(value, BaseModel) else value
    return kind(**values)


def _describe(error: ValidationError, kind: type, source: Path | None, prefix: str = "") -> str:
    where = f"{source}: " if source else ""
    lines = []
    for item in error.errors():
        key = prefix + (".".join(str(part) for part in item["loc"]) or "config")
        if item["type"] == "extra_forbidden":
            lines.append(f"{where}unknown key '{key}'{_suggestion(kind, item['loc'], prefix)}")
        else:
            lines.append(f"{where}'{key}': {item['msg']}")
    return "; ".join(lines)


def _suggestion(kind: type, loc: tuple[int | str, ...], prefix: str) -> str:
    """` (did you mean 'prefix.key'?)` with the known key closest to the last part of `loc`, or ""."""
    table: Any = kind
    for part in loc[:-1]:
        table = next((spec.hint for spec in settings_fields(table) if spec.key == part), None)
        if not (isinstance(table, type) and is_dataclass(table)):
            return ""
    known = [spec.key for spec in settings_fields(table)]
    found = difflib.get_close_matches(str(loc[-1]), known, n=1)
    parents = "".join(f"{part}." for part in loc[:-1])
    return f" (did you mean '{prefix}{parents}{found[0]}'?)" if found else ""
