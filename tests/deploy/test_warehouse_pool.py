"""The ``warehouse`` pool exists without anybody running ``airflow pools set``.

The deployment contract: Airflow needs nothing beyond the two folders and the connections. Every
warehouse task runs in the pool ``warehouse``, and Airflow's scheduler never schedules a task whose
pool is missing, so the scheduler creates it on start (plugins/outfield_listeners.py -> outfield.pools).
Here a real ``airflow scheduler --num-runs 1`` starts on a fresh SQLite metadata database with only
the folders and the warehouse connection in its environment; the pool is read back from the database.
(tests/e2e/test_production_topology.py checks the same on PostgreSQL + Celery, with 8 slots.)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _env(home: Path, conn: dict) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIRFLOW", "OUTFIELD_")) and key != "PYTHONPATH"}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW_CONN_WAREHOUSE": json.dumps(conn),
        "OUTFIELD_DATA_DIR": str(home / "data"),  # outfield's own, only so that nothing lands in the checkout
    })
    return env


def _airflow(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _pools(home: Path) -> dict[str, tuple[int, str]]:
    with sqlite3.connect(home / "airflow.db") as db:
        return {name: (slots, desc) for name, slots, desc in db.execute("SELECT pool, slots, description FROM slot_pool")}


def _ensure(env: dict) -> str:
    code = "from outfield.pools import ensure_warehouse_pool; print(ensure_warehouse_pool())"
    result = subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT / "plugins")},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


@pytest.fixture(scope="module")
def fresh_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("pool-home")
    duck = _env(home, {"conn_type": "duckdb", "host": str(home / "wh.duckdb")})
    _airflow(duck, "db", "migrate")
    return home, duck


def test_scheduler_start_creates_a_one_slot_pool_for_duckdb(fresh_home):
    home, env = fresh_home
    assert "warehouse" not in _pools(home)  # a fresh metadata database has only default_pool
    out = _airflow(env, "scheduler", "--num-runs", "1")
    slots, description = _pools(home)["warehouse"]
    assert slots == 1 and "DuckDB" in description
    assert "pool 'warehouse' created with 1 slot(s) (duckdb warehouse)" in out
    assert not (ROOT / "data" / "wh.duckdb").exists() and not (home / "wh.duckdb").exists()  # not opened


def test_an_existing_pool_keeps_the_size_an_operator_gave_it(fresh_home):
    home, env = fresh_home
    _airflow(env, "pools", "set", "warehouse", "3", "sized by hand")
    assert "left as it is" in _ensure(env)
    assert _pools(home)["warehouse"] == (3, "sized by hand")


def test_a_postgres_warehouse_gets_eight_slots_and_the_override_wins(fresh_home):
    home, duck = fresh_home
    pg = {**duck, "AIRFLOW_CONN_WAREHOUSE": json.dumps({"conn_type": "postgres", "host": "db.invalid"})}
    _airflow(pg, "pools", "delete", "warehouse")
    assert "created with 8 slot(s) (postgres warehouse)" in _ensure(pg)  # the server is never contacted
    assert _pools(home)["warehouse"][0] == 8
    _airflow(pg, "pools", "delete", "warehouse")
    _ensure({**pg, "OUTFIELD_WAREHOUSE_POOL_SLOTS": "2"})
    assert _pools(home)["warehouse"][0] == 2
