"""Planner statistics on PostgreSQL: a freshly bulk-loaded source table is analyzed before the
pipelines' joins (pgstats.refresh); a fresh one is left alone; a table the role may not analyze is
logged, never a failure. On DuckDB (statistics kept on every write) nothing is done."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest

from outfield import pgstats
from tests.helpers import insert


def trials(n: int, prefix: str) -> list[dict]:
    at = dt.datetime(2026, 6, 10, 10, 0)
    return [dict(trial_id=f"{prefix}{i}", user_pin=f"u{i}", shop_id="S1", trial_at=at, amount=100.0, result="pass",
                 reject_reason=None) for i in range(n)]


def flush_stats(wh) -> None:
    """Make this backend's pending table statistics visible in pg_stat_user_tables (PostgreSQL 15+)."""
    wh.query_sql("SELECT pg_stat_force_next_flush() AS x")
    wh.query_sql("SELECT 1 AS x")


def analyzed_at(wh, table: str):
    return wh.query("common/planner_statistics.sql", tables=[table])[0]["analyzed_at"]


def test_bulk_loaded_table_is_analyzed_once_then_again_after_a_big_change(wh):
    insert(wh, "fact_trial", trials(1500, "A"))
    if wh.dialect == "duckdb":
        assert pgstats.stale_tables(wh, ["fact_trial"]) == [] and pgstats.refresh(wh, ["fact_trial"]) == []
        return
    flush_stats(wh)
    assert analyzed_at(wh, "fact_trial") is None
    assert pgstats.stale_tables(wh, ["fact_trial", "fact_order"]) == ["fact_order", "fact_trial"]  # never analyzed
    assert pgstats.refresh(wh, ["fact_trial", "fact_order"]) == ["fact_order", "fact_trial"]
    first = analyzed_at(wh, "fact_trial")
    assert first is not None
    assert pgstats.refresh(wh, ["fact_trial"]) == []  # fresh: left alone
    assert analyzed_at(wh, "fact_trial") == first

    insert(wh, "fact_trial", trials(200, "B"))  # 200 changed of 1 700: under both limits
    flush_stats(wh)
    assert pgstats.stale_tables(wh, ["fact_trial"]) == []
    insert(wh, "fact_trial", trials(1500, "C"))  # 1 700 changed since: stale again
    flush_stats(wh)
    assert pgstats.refresh(wh, ["fact_trial"]) == ["fact_trial"]
    assert analyzed_at(wh, "fact_trial") > first


@pytest.mark.parametrize("wh", ["postgres"], indirect=True)  # roles and ownership are PostgreSQL's
def test_table_the_role_may_not_analyze_is_logged_not_raised(wh, caplog):
    insert(wh, "fact_trial", trials(1500, "A"))
    flush_stats(wh)
    role = f"reader_{uuid.uuid4().hex[:8]}"
    conn = wh.connection()
    conn.execute(f'CREATE ROLE "{role}"')
    try:
        conn.execute(f'GRANT USAGE ON SCHEMA "{wh.schema}" TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{wh.schema}" TO "{role}"')
        conn.execute(f'SET ROLE "{role}"')
        with caplog.at_level(logging.WARNING, logger="outfield.pgstats"):
            assert pgstats.refresh(wh, ["fact_trial"]) == []
        conn.execute("RESET ROLE")
        assert analyzed_at(wh, "fact_trial") is None
        assert any("fact_trial are stale and could not be refreshed" in r.getMessage() for r in caplog.records)
    finally:
        conn.execute("RESET ROLE")
        conn.execute(f'DROP OWNED BY "{role}"')
        conn.execute(f'DROP ROLE "{role}"')
