"""Contract snapshots (SPEC §11): a repository's services as JSON, read back without their specs."""
