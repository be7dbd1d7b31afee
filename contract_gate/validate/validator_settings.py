"""Stand-ins for the `settings` modules of openapi-spec-validator and openapi-schema-validator.

Each reads a few environment variables through pydantic-settings, whose import
(pydantic, pydantic-settings, asyncio) costs about 75 ms in every checking process:
a tenth of checking a large spec. When none of those variables is set, their values
are the defaults, and `validate/structure.py` registers this module under both names before
the validators are imported; when one is set, the real modules read it. Tests compare
this module with the real ones, names and values, so an upgrade that changes them
shows up there.
"""

from __future__ import annotations

import os

PREFIXES = ("OPENAPI_SPEC_VALIDATOR_", "OPENAPI_SCHEMA_VALIDATOR_")
MODULES = ("openapi_spec_validator.settings", "openapi_schema_validator.settings")

# openapi_spec_validator.settings
ENV_PREFIX = "OPENAPI_SPEC_VALIDATOR_"
RESOLVED_CACHE_MAXSIZE_DEFAULT = 128
SCHEMA_VALIDATOR_BACKEND_DEFAULT = "auto"
SCHEMA_VALIDATOR_BACKEND_ALLOWED = {"auto", "jsonschema", "jsonschema-rs"}


def defaults_apply() -> bool:
    """True when no variable either settings module reads is set (names are read in any case)."""
    prefixes = tuple(prefix.lower() for prefix in PREFIXES)
    return not any(name.lower().startswith(prefixes) for name in os.environ)


class OpenAPISpecValidatorSettings:
    """openapi-spec-validator's settings, as their defaults."""

    def __init__(self) -> None:
        self.resolved_cache_maxsize = RESOLVED_CACHE_MAXSIZE_DEFAULT
        self.schema_validator_backend = SCHEMA_VALIDATOR_BACKEND_DEFAULT


def get_resolved_cache_maxsize() -> int:
    """The size of the validator's resolved-path cache."""
    return OpenAPISpecValidatorSettings().resolved_cache_maxsize


def get_schema_validator_backend() -> str:
    """Which JSON Schema backend the validator picks (auto: jsonschema-rs when installed)."""
    return OpenAPISpecValidatorSettings().schema_validator_backend


# openapi_schema_validator.settings
class OpenAPISchemaValidatorSettings:
    """openapi-schema-validator's settings, as their defaults."""

    def __init__(self) -> None:
        self.compiled_validator_cache_max_size = 128


_SCHEMA_SETTINGS = OpenAPISchemaValidatorSettings()


def get_settings() -> OpenAPISchemaValidatorSettings:
    """openapi-schema-validator's settings."""
    return _SCHEMA_SETTINGS


def reset_settings_cache() -> None:
    """Nothing to reset: the defaults do not change."""
