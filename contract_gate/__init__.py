"""contract_gate: governs OpenAPI contracts across services — ownership, SLOs and their agreements."""

__version__ = "0.1.0"
