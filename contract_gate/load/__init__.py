"""Loading: finding files, reading YAML and JSON, positions, pointers, confined $refs, limits."""
