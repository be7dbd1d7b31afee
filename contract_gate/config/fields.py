"""Settings dataclasses: each field's key, help text and bounds, and validating a table against them.

`config.py` declares its settings with `setting(...)`. A table (a config file's, with the
command line's overrides) whose every value plainly has its field's type and is within
bounds is taken as it is, so that a run does not import pydantic to read a few
well-formed keys; anything else goes to the pydantic models `config/model.py` builds from
the same fields, which say exactly what is wrong.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any, Literal, TypeVar

_EXACT_FLOAT_INT = 2**53

SettingsT = TypeVar("SettingsT")


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the key and the file."""


@dataclass(frozen=True, slots=True)
class Setting:
    """How one field is written in the config file and what it accepts beyond its type."""

    key: str
    description: str
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    min_length: int | None = None
    check: Callable[[Any], Any] | None = None  # raises ValueError with the reason


def setting(
    default: Any = MISSING,
    description: str = "",
    *,
    key: str | None = None,
    factory: Callable[[], Any] | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    min_length: int | None = None,
    check: Callable[[Any], Any] | None = None,
) -> Any:
    """A dataclass field with its `Setting`; `key` defaults to the field name (set by `_keyed`)."""
    meta = {"setting": Setting(key or "", description, ge, le, gt, min_length, check)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class SettingField:
    """A settings field as validation needs it: name, key, resolved type and its `Setting`."""

    name: str
    key: str
    hint: Any
    setting: Setting


_FIELDS: dict[type, tuple[SettingField, ...]] = {}


def settings_fields(kind: type) -> tuple[SettingField, ...]:
    """The fields of a settings dataclass, with their keys and resolved types."""
    if kind in _FIELDS:
        return _FIELDS[kind]
    hints = typing.get_type_hints(kind)
    found = []
    for item in fields(kind):
        own: Setting = item.metadata["setting"]
        found.append(SettingField(item.name, own.key or item.name, hints[item.name], own))
    _FIELDS[kind] = tuple(found)
    return _FIELDS[kind]


def as_table(value: Any) -> dict[str, Any]:
    """A settings dataclass as the table a config file would hold (keys, nested tables)."""
    return {
        spec.key: as_table(getattr(value, spec.name))
        if is_dataclass(spec.hint)
        else getattr(value, spec.name)
        for spec in settings_fields(type(value))
    }


def plain_settings(kind: type, table: Any) -> Any:
    """`table` as a `kind` when every value plainly fits, else None (pydantic then decides)."""
    if type(table) is not dict:
        return None
    by_key = {spec.key: spec for spec in settings_fields(kind)}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        spec = by_key.get(key)
        if spec is None:
            return None
        fits, value = _fit(spec.hint, raw)
        if not fits or not _within(spec.setting, value):
            return None
        if spec.setting.check is not None:
            try:
                value = spec.setting.check(value)
            except ValueError:
                return None
        values[spec.name] = value
    return kind(**values)


def _fit(hint: Any, value: Any) -> tuple[bool, Any]:
    """Does `value` plainly have type `hint`? (and the value as validated). Unsure means no."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return type(value) is str and value in args, value
    if origin in (types.UnionType, typing.Union):
        for arm in args:
            fits, converted = _fit(arm, value)
            if fits:
                return True, converted
        return False, None
    if origin is list:
        if type(value) is not list:
            return False, None
        items = [_fit(args[0], item) for item in value]
        return all(fits for fits, _ in items), [item for _, item in items]
    if origin is dict:
        if type(value) is not dict:
            return False, None
        pairs = [(_fit(args[0], k), _fit(args[1], v)) for k, v in value.items()]
        return all(k[0] and v[0] for k, v in pairs), {k[1]: v[1] for k, v in pairs}
    if hint is float:
        plain = (type(value) is float and math.isfinite(value)) or (
            type(value) is int and abs(value) <= _EXACT_FLOAT_INT
        )
        return plain, float(value) if plain else None
    if hint in (int, str, bool, type(None)):
        return type(value) is hint, value
    if isinstance(hint, type) and issubclass(hint, Enum):
        if isinstance(value, hint):
            return True, value
        if type(value) is not str or value not in hint._value2member_map_:
            return False, None
        return True, hint._value2member_map_[value]
    if is_dataclass(hint):
        plain = plain_settings(typing.cast(type, hint), value)
        return plain is not None, plain
    return False, None


def _within(rules: Setting, value: Any) -> bool:
    if value is None:
        return True
    if rules.min_length is not None and len(value) < rules.min_length:
        return False
    return (
        (rules.ge is None or value >= rules.ge)
        and (rules.le is None or value <= rules.le)
        and (rules.gt is None or value > rules.gt)
    )
