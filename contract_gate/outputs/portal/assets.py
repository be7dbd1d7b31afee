"""The files in every site's assets/: Swagger UI's (from the swagger-ui-py package) and the portal's."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
import re
from pathlib import Path

SWAGGER_UI_PACKAGE = "swagger-ui-py"
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")
OWN_FILES = ("portal.css", "index.js", "service.js")
_VERSION = re.compile(rb'PACKAGE_VERSION:"([0-9][^"]*)"')


class AssetsMissing(Exception):
    """Swagger UI's files cannot be found where the package installs them."""


@functools.cache
def asset_files() -> dict[str, bytes]:
    """Every asset by its name under assets/."""
    files = {name: _swagger_ui_file(name) for name in SWAGGER_UI_FILES}
    package = importlib.resources.files("contract_gate.outputs.portal") / "static"
    files.update({name: (package / name).read_bytes() for name in OWN_FILES})
    return files


def swagger_ui_version() -> str:
    """The version of Swagger UI shipped (as its bundle records it), e.g. "5.24.2"."""
    match = _VERSION.search(asset_files()["swagger-ui-bundle.js"])
    return match.group(1).decode("ascii") if match else "unknown"


def _swagger_ui_file(name: str) -> bytes:
    try:
        distribution = importlib.metadata.distribution(SWAGGER_UI_PACKAGE)
        return Path(str(distribution.locate_file(f"swagger_ui/static/{name}"))).read_bytes()
    except (importlib.metadata.PackageNotFoundError, OSError) as error:
        raise AssetsMissing(
            f"Swagger UI's {name} was not found ({error}); reinstall contract-gate with its"
            f" dependencies ({SWAGGER_UI_PACKAGE})"
        ) from None
