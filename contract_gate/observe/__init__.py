"""Declared against observed: each x-slo-p99 beside the p99 a Prometheus server measured (SPEC §13)."""
