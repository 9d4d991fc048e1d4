"""Where things live, and the few settings that have defaults.

Everything has a working default; the environment overrides it:

- ``OUTFIELD_DATA_DIR``: folder for every file the pipelines write (exports, dashboards,
  the alert outbox, the suppression state). Default ``data/`` in the checkout.
- ``OUTFIELD_CONFIG``: the YAML file with alert routing and thresholds.
  Default ``include/config/outfield.yaml``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

#: The checkout: plugins/outfield/config.py -> parents[2].
PROJECT_ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = PROJECT_ROOT / "include"
SQL_DIR = INCLUDE_DIR / "sql"

TIMEZONE = "Asia/Shanghai"
WAREHOUSE_CONN_ID = "warehouse"
SLACK_CONN_ID = "slack_api_default"
#: Airflow pool shared by every task that opens the warehouse (one slot on DuckDB).
WAREHOUSE_POOL = os.environ.get("OUTFIELD_WAREHOUSE_POOL", "warehouse")


def data_dir() -> Path:
    """The data folder (created on first use)."""
    path = Path(os.environ.get("OUTFIELD_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _config_path() -> Path:
    return Path(os.environ.get("OUTFIELD_CONFIG") or INCLUDE_DIR / "config" / "outfield.yaml")


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def settings() -> dict[str, Any]:
    """The parsed configuration file (re-read when it changes)."""
    path = _config_path()
    if not path.exists():
        return {}
    return _load(str(path), path.stat().st_mtime)


def setting(*keys: str, default: Any = None) -> Any:
    """``setting("alerts", "suppression_hours", default=24)``."""
    node: Any = settings()
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node
