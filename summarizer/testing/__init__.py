"""Helpers for tests and benchmarks that must be importable from both (``tests/`` and ``bench/``).

Nothing here is used by the pipeline itself.
"""
