"""Every use of an API its library does not promise to keep, one module per library.

A Dagster or Delta upgrade that moves one of these breaks here, and `lakehouse_assets_tests/test_internals.py`
says which, instead of a run failing in the middle of a step.
"""
