"""Benchmarks of the outfield pipelines at scale against a pandas baseline (``python -m benchmarks.run``).

``python -m benchmarks.<module>`` runs from the checkout's root without PYTHONPATH: the shared package
(``plugins/outfield``) is put on the path here, as Airflow puts the plugins folder on it.
"""

import sys
from pathlib import Path

_PLUGINS = str(Path(__file__).resolve().parents[1] / "plugins")
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)
