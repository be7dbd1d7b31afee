"""`python -m contract_gate`."""

from contract_gate.cli import entry

entry()
