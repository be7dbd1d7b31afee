"""Where a run's `$ref`s may lead: the ref root, and the local folders `ref-map` reads URLs from."""

from __future__ import annotations

from pathlib import Path

from contract_gate.config.settings import Config, ConfigError
from contract_gate.load.discovery import default_ref_root
from contract_gate.load.refs import RefMap, inside


def ref_root(inputs: list[Path], config: Config, config_base: Path, flag: Path | None) -> Path:
    """--ref-root, else the config's `ref-root` (relative to the config), else SPEC §2's default."""
    if flag is not None:
        return flag.resolve()
    if config.ref_root is not None:
        return (config_base / config.ref_root).resolve()
    return default_ref_root(inputs)


def ref_map(config: Config, config_base: Path, root: Path, source: Path | None) -> RefMap:
    """`ref-map` with absolute folders, the longest prefix first; ConfigError for a folder outside `root`.

    A folder outside the ref root would let a URL read what a local `$ref` may not.
    """
    mapped: list[tuple[str, Path]] = []
    for prefix, folder in config.ref_map.items():
        local = (config_base / folder).resolve()
        if not inside(root, local):
            raise ConfigError(
                f"{source or 'config'}: 'ref-map': {prefix} maps to {folder}, which is outside the ref root"
                f" {root}; $refs may read nothing outside it (set ref-root, or move the folder inside)"
            )
        mapped.append((prefix, local))
    return tuple(sorted(mapped, key=lambda entry: -len(entry[0])))
