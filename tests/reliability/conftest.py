"""Fixtures of the reliability tests: one generated demo warehouse per session (raw, and cleaned of the
generator's built-in defects), per-test copies of it, a pinned configuration, and the ordering hook
that runs the artifact scan (``test_zz_artifacts.py``) after every other test of the session.

The demo world: 20,000 users, 60 days ending 2026-06-30 (a Tuesday), seed 42. Injected defects go on
D = 2026-06-25 (a Thursday; four past Thursdays in the window, so the weekday bands are learned).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
USERS, DAYS, SEED = 20_000, 60, 42
END = dt.date(2026, 6, 30)
WINDOW = [END - dt.timedelta(days=29 - i) for i in range(30)]  # the 30 days the pipelines run for
D = dt.date(2026, 6, 25)
LAST_TESTS = ("test_zz_artifacts.py",)


def pytest_collection_modifyitems(session, config, items):
    """Run the session-wide artifact scan last, whatever else was collected (it scans what ran before)."""
    last = [i for i in items if i.path.name in LAST_TESTS]
    if last:
        items[:] = [i for i in items if i.path.name not in LAST_TESTS] + last


def pinned_config() -> dict:
    """include/config/outfield.yaml with the churn wait cut to nothing (a late table fails at once)."""
    config = yaml.safe_load((ROOT / "include" / "config" / "outfield.yaml").read_text(encoding="utf-8"))
    config.setdefault("churn", {}).update(source_wait_timeout_seconds=0, source_poke_interval_seconds=1)
    config.setdefault("alerts", {}).update(max_retries=1)
    return config


@pytest.fixture()
def rel_env(tmp_path, monkeypatch, data_dir):
    """A fresh data folder and the test configuration; no Slack connection (alerts go to the outbox)."""
    path = tmp_path / "outfield-test.yaml"
    path.write_text(yaml.safe_dump(pinned_config(), allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("OUTFIELD_CONFIG", str(path))
    monkeypatch.delenv("AIRFLOW_CONN_SLACK_API_DEFAULT", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", '{"conn_type": "duckdb", "host": "%s"}' % (tmp_path / "unused.duckdb"))
    return data_dir


def _generate(path: Path, clean: bool) -> dict:
    from outfield.demo import defects, generate
    from outfield.warehouse import Warehouse

    with Warehouse.duckdb(path) as wh:
        summary = generate(wh, users=USERS, days=DAYS, end=END, seed=SEED)
        if clean:
            summary["cleaned"] = defects.clean(wh)
    return summary


@pytest.fixture(scope="session")
def raw_base(tmp_path_factory) -> tuple[Path, dict]:
    """The generated demo warehouse with its built-in documented defects (read-only: copy it)."""
    path = tmp_path_factory.mktemp("reliability-base") / "raw.duckdb"
    return path, _generate(path, clean=False)


@pytest.fixture(scope="session")
def clean_base(raw_base, tmp_path_factory) -> tuple[Path, dict]:
    """The same warehouse cleaned of the built-in defects (``outfield.demo.defects.clean``)."""
    from outfield.demo import defects
    from outfield.warehouse import Warehouse

    path = tmp_path_factory.mktemp("reliability-clean") / "clean.duckdb"
    shutil.copy(raw_base[0], path)
    with Warehouse.duckdb(path) as wh:
        cleaned = defects.clean(wh)
    return path, {**raw_base[1], "cleaned": cleaned}


def copy_of(base: Path, folder: Path, name: str = "wh.duckdb") -> Path:
    """A private copy of a base warehouse (DuckDB keeps everything in the one file once closed)."""
    target = folder / name
    shutil.copy(base, target)
    return target
