"""The x-bu-owner, x-slo-p99 and x-calls extensions: their values and pydantic models."""
