"""The click command line: one module per command family and their shared support."""
