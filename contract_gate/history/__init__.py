"""Against the past: baselines and diff mode against a git revision."""
