"""Benchmarks of the outfield pipelines at scale against a pandas baseline (``python -m benchmarks.run``)."""
