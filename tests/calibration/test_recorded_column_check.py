"""The recorded SQLColumnCheckOperator: a failing column check fails the task AND is in dq_check_results."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from outfield.sqlchecks import RecordedSQLColumnCheckOperator
from outfield.warehouse import Warehouse
from tests.helpers import insert

D = dt.date(2026, 6, 10)


def test_failed_check_is_recorded_and_fails_the_task(tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "duckdb", "host": str(path)}))
    with Warehouse.duckdb(path) as wh:
        wh.ensure_tables()
        # S1 twice (a broken rebuild), S2 fine
        insert(wh, "dim_store_calibrated", [
            dict(shop_id="S1", city="北京", city_source="source", business_date=D),
            dict(shop_id="S1", city="北京", city_source="source", business_date=D),
            dict(shop_id="S2", city=None, city_source="unresolved", business_date=D),
        ])
    op = RecordedSQLColumnCheckOperator(
        task_id="check_calibrated_output", conn_id="warehouse", table="dim_store_calibrated",
        column_mapping={"shop_id": {"null_check": {"equal_to": 0}, "unique_check": {"equal_to": 0}}},
    )
    with pytest.raises(Exception, match="unique_check"):
        op.execute({"params": {"business_date": D.isoformat()}})
    with Warehouse.duckdb(path) as wh:
        rows = wh.query_sql("SELECT check_name, subject, metric, value, status FROM dq_check_results "
                            "WHERE business_date = :d ORDER BY metric", {"d": D})
    assert [(r["check_name"], r["metric"], r["value"], r["status"]) for r in rows] == [
        ("not_null", "shop_id_null_check", 0, "pass"),
        ("primary_key", "shop_id_unique_check", 1, "fail"),  # 3 rows, 2 distinct shop_ids
    ]
    assert {r["subject"] for r in rows} == {"dim_store_calibrated"}


def test_a_check_is_the_first_writer_on_a_fresh_warehouse(tmp_path):
    """On a new warehouse (no output tables yet) any check may run first, in any order."""
    from outfield import calibration

    with Warehouse.duckdb(tmp_path / "fresh.duckdb") as wh:
        wh.create_source_tables()  # sources only, as the warehouse team delivers them
        calibration.check_funnel(wh, D)
        n = wh.query_sql("SELECT COUNT(*) AS n FROM dq_check_results WHERE check_name = 'funnel_monotonic'")
    assert n[0]["n"] >= 1
