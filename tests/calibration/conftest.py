"""Fixtures of the data-calibration tests: a pinned configuration (so that the hand-worked answers do
not depend on include/config/outfield.yaml) and the fresh data folder of every test."""

from __future__ import annotations

import pytest
import yaml

#: The defaults of outfield.calibration, written out; tests change single keys.
BASE_CONFIG = {
    "alerts": {"suppression_hours": 24},
    "calibration": {
        "unresolved_amount_share_warn": 0.05,
        "volume_weeks": 4,
        "volume_min_history": 3,
        "volume_min_rel_deviation": 0.25,
        "volume_mad_k": 3.0,
        "gross_margin_floor": {},
    },
}


@pytest.fixture(autouse=True)
def calibration_config(tmp_path, monkeypatch, data_dir):
    """Write the test configuration; returns a function to change it (``set_config(section, key, value)``)."""
    path = tmp_path / "outfield-test.yaml"
    config = yaml.safe_load(yaml.safe_dump(BASE_CONFIG))

    def write():
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def set_config(section, key, value):
        config.setdefault(section, {})[key] = value
        write()
        # settings() re-reads on a new mtime; force it for writes within the same second
        from outfield import config as cfg

        cfg._load.cache_clear()

    write()
    monkeypatch.setenv("OUTFIELD_CONFIG", str(path))
    monkeypatch.delenv("AIRFLOW_CONN_SLACK_API_DEFAULT", raising=False)
    return set_config
