"""Real Airflow runs of churn_callback_daily (`airflow dags test` on the session's temp AIRFLOW_HOME).

The warehouse is the hand-made one of tests/churn (answer worked out there: 10 users to call on
2026-06-10). The run is given the *logical date* 2026-06-11T00:00Z (08:00 Asia/Shanghai), so the
business date D = 2026-06-10 is derived by the DAG itself, as for a scheduled run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outfield.warehouse import Warehouse
from tests.churn.test_churn_rules import CALIBRATED, LISTED_APPLE, ORDERS, STORES, TRIALS, USERS
from tests.helpers import insert

pytestmark = pytest.mark.e2e
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LOGICAL = "2026-06-11T00:00:00+00:00"


def _airflow(args, env, timeout=300):
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def run_env(airflow_db, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = os.environ.copy()
    env["OUTFIELD_DATA_DIR"] = str(data)
    env["AIRFLOW_CONN_WAREHOUSE"] = json.dumps({"conn_type": "duckdb", "host": str(tmp_path / "wh.duckdb")})
    env.pop("AIRFLOW_CONN_SLACK_API_DEFAULT", None)
    env["OUTFIELD_DEADLINE_ALERTS"] = "off"  # dags test in 3.3.2 cannot finish a run with a deadline
    config = tmp_path / "outfield.yaml"
    config.write_text(textwrap.dedent("""
        churn:
          source_wait_timeout_seconds: 3
          source_poke_interval_seconds: 1
    """), encoding="utf-8")
    env["OUTFIELD_CONFIG"] = str(config)
    return env, tmp_path, data


def _count(path, sql, params=None):
    with Warehouse.duckdb(path) as wh:
        return wh.query_sql(sql, params or {})


def test_churn_dag_runs_twice_with_same_rows(run_env):
    env, tmp, data = run_env
    with Warehouse.duckdb(tmp / "wh.duckdb") as wh:
        wh.create_source_tables()
        wh.ensure_tables()
        for table, rows in (("dim_store", STORES), ("fact_trial", TRIALS), ("fact_order", ORDERS),
                            ("dim_user", USERS), ("dim_store_calibrated", CALIBRATED)):
            insert(wh, table, rows)

    first = _airflow(["dags", "test", "churn_callback_daily", LOGICAL], env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    rows1 = _count(tmp / "wh.duckdb", "SELECT * FROM churn_callback_list ORDER BY user_pin")
    assert {r["user_pin"] for r in rows1} == LISTED_APPLE
    assert {r["business_date"].isoformat() for r in rows1} == {"2026-06-10"}

    second = _airflow(["dags", "test", "churn_callback_daily", LOGICAL], env)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    rows2 = _count(tmp / "wh.duckdb", "SELECT * FROM churn_callback_list ORDER BY user_pin")
    assert rows2 == rows1  # same rows, no duplicates
    stats = _count(tmp / "wh.duckdb", "SELECT merchant_id, pass_users, churned_users FROM churn_daily_stats")
    assert sorted((r["merchant_id"], r["pass_users"], r["churned_users"]) for r in stats) == [
        ("M_APPLE", 13, 11), ("M_LENOVO", 2, 1)]

    export = data / "exports" / "churn_callback_list" / "2026-06-10.csv"
    assert export.read_bytes().startswith(b"\xef\xbb\xbf")
    outbox = [json.loads(line) for line in (data / "alerts" / "outbox.jsonl").read_text("utf-8").splitlines()]
    digests = [m for m in outbox if m["kind"] == "digest"]
    assert len(digests) == 2  # one per run: Slack is not connected, so they land in the outbox
    assert "10 users to call" in digests[-1]["text"] and "Apple" in digests[-1]["text"]
    assert "84.6%" in digests[-1]["text"]  # Apple 11/13
    for m in outbox:
        assert not PHONE.search(json.dumps(m, ensure_ascii=False))
        assert "u_before" not in m["text"]  # no user list in Slack
    assert not PHONE.search(first.stdout + first.stderr + second.stdout + second.stderr)


def test_late_source_table_fails_the_run_and_names_it(run_env):
    env, tmp, data = run_env
    with Warehouse.duckdb(tmp / "wh.duckdb") as wh:
        wh.create_source_tables()
        insert(wh, "dim_store", STORES)
        insert(wh, "fact_trial", TRIALS)  # fact_order has no rows for D

    result = _airflow(["dags", "test", "churn_callback_daily", LOGICAL], env)
    out = result.stdout + result.stderr
    assert "fact_order" in out
    assert not (data / "exports" / "churn_callback_list" / "2026-06-10.csv").exists()
    outbox = [json.loads(line) for line in (data / "alerts" / "outbox.jsonl").read_text("utf-8").splitlines()]
    failures = [m for m in outbox if m["kind"] == "failure"]
    assert failures, outbox
    text = failures[0]["text"]
    assert "wait_for_source_rows" in text and "fact_order" in text and "2026-06-10" in text
