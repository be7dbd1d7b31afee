"""Everything written for people and machines: formats, reports, audit, badges, Prometheus."""
