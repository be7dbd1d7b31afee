"""Formatters: pure functions from a `Report` (or an audit) to text, one module per format.

`contract_gate/outputs/registry.py` says which command and format each one serves.
"""
