"""The benchmark commands the bench README documents start from the checkout's root as written there:
``.venv/bin/python -m benchmarks.<module>``, with no PYTHONPATH set (the Makefile sets one; a person
at a shell does not)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["run", "postgres", "demo_clock"])
def test_benchmark_module_starts_without_pythonpath(module):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", "--help"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage:"), proc.stdout[:200]
