"""PostgreSQL session settings of the warehouse connection (outfield.warehouse.PG_SESSION_SETTINGS).

Without them PostgreSQL planned the churn build's CTE joins as nested loops that rescan fact_order per
pair (over 600 s on the demo data instead of 0.3 s: measured, see docs/operations.md). Here: the setting
is on every new connection, a connection's extra can override it, a bad extra is a clear error, and the
churn build's heaviest statement is planned without a nested loop on the real server.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from outfield.demo.generator import generate
from outfield.warehouse import PG_SESSION_SETTINGS, Warehouse, WarehouseError
from tests.conftest import PG_DSN, require_postgres


def _show(wh: Warehouse, name: str) -> str:
    return wh.query_sql(f"SELECT current_setting('{name}') AS v")[0]["v"]


@pytest.fixture()
def pg():
    """A fresh schema on the real PostgreSQL server with the source and output tables."""
    require_postgres()
    w = Warehouse("postgres", pg_kwargs={"conninfo": PG_DSN}, schema=f"t_{uuid.uuid4().hex[:12]}")
    with w:
        w.create_source_tables()
        w.ensure_tables()
        yield w
        w.connection().execute(f'DROP SCHEMA "{w.schema}" CASCADE')


def test_new_connections_plan_without_nested_loops(pg):
    assert PG_SESSION_SETTINGS == {"enable_nestloop": "off"}
    assert _show(pg, "enable_nestloop") == "off"


def test_a_connection_may_turn_it_back_on(pg):
    other = Warehouse("postgres", pg_kwargs={"conninfo": PG_DSN}, schema=pg.schema,
                      pg_settings={"enable_nestloop": "on"})
    with other:
        assert _show(other, "enable_nestloop") == "on"
    assert _show(pg, "enable_nestloop") == "off"  # a session setting: the other connection is untouched


def test_the_airflow_connection_extra_sets_them(pg, monkeypatch):
    conn = {"conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "test",
            "extra": {"search_path": pg.schema, "session_settings": {"enable_nestloop": "on", "work_mem": "64MB"}}}
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps(conn))
    with Warehouse.from_connection() as w:
        assert _show(w, "enable_nestloop") == "on"
        assert _show(w, "work_mem") == "64MB"
    conn["extra"]["session_settings"] = "enable_nestloop=on"
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps(conn))
    with pytest.raises(WarehouseError, match="session_settings must be a JSON object"):
        Warehouse.from_connection()


def test_the_churn_pairs_of_a_day_are_hash_joined(pg):
    generate(pg, users=600, days=14, end=dt.date(2026, 6, 10), seed=5)
    d_start = dt.datetime(2026, 6, 10)
    params = {"hist_start": d_start - dt.timedelta(days=7), "d_start": d_start,
              "d_end": d_start + dt.timedelta(days=1)}
    sql = pg.render("churn/day_pairs.sql")
    select = sql[sql.index("WITH"):]
    plan = "\n".join(r["QUERY PLAN"] for r in pg.query_sql("EXPLAIN " + select, params))
    assert "Hash" in plan and "Nested Loop" not in plan, plan
    # that the build gives the same rows on both engines is tested in tests/churn, not here
