"""`python -m contract_gate`."""

from contract_gate.cli.main import entry

entry()
