"""The output registry: every (command, format) renders through one signature per command."""

from __future__ import annotations

import inspect

import click
import pytest

from contract_gate.cli.main import main
from contract_gate.outputs.registry import OUTPUTS, formats

# What each command hands its formats, in order (see contract_gate/outputs/registry.py).
FAMILY = {
    "check": ["report"],
    "score": ["report", "by"],
    "graph": ["report", "bu"],
    "audit": ["audit", "terminal_width"],
    "badge": ["badge"],
    "observe": ["observation"],
}


@pytest.mark.parametrize(
    ("command", "name"), [(command, name) for command, named in OUTPUTS.items() for name in named]
)
def test_each_output_has_its_familys_signature(command: str, name: str) -> None:
    render = OUTPUTS[command][name].load()  # type: ignore[index]
    parameters = list(inspect.signature(render).parameters)
    assert parameters == FAMILY[command], f"{command} --format {name}: {render.__module__}.{render.__name__}"


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_the_command_offers_exactly_the_registered_formats(command: str) -> None:
    option = next(p for p in main.commands[command].params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert sorted(option.type.choices) == formats(command)  # type: ignore[arg-type]
