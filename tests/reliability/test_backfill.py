"""Backfills: 30 days of every daily pipeline run in a random order, twice, give identical tables with no
duplicates and no gaps, on DuckDB and on PostgreSQL (where the same SQL gives the same content).

The warehouse is the raw generated demo (its built-in defects: duplicated rows, bad trial rows, lost
transactions, stores without a city) plus conflicting duplicated keys, so that "a repeated key counts
once" must also pick the same row whatever the order. Units are (pipeline, day) pairs run as their
DAGs do (``tests/reliability/pipelines.py``, without the CSV exports).

Precondition, on every copy: ``data_calibration_daily`` has run once before the backfill (its
``dim_store_calibrated`` exists). The churn list takes the calibrated city where there is one, so a
churn run on a warehouse where calibration never ran gives source cities (null for the Apple stores
without one): a cross-pipeline order dependency of a brand-new warehouse, by design (the calibration
runs at 07:00, the list at 08:00), not something a backfill of one pipeline can change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid

import pytest

from outfield import calibration
from outfield.demo import defects
from outfield.warehouse import Warehouse
from tests.reliability import pipelines as P
from tests.reliability.conftest import WINDOW, D, copy_of

#: Output tables, the columns that identify a row (no two rows may share them), and the columns left
#: out of the content hash because they say *when* a row was written, not what it says.
OUTPUTS = {
    "churn_callback_list": (("business_date", "user_pin", "merchant_id"), ()),
    "churn_daily_stats": (("business_date", "merchant_id"), ()),
    "dq_check_results": (("check_name", "business_date", "subject", "metric"), ("checked_at",)),
    "crowd_membership": (("campaign_id", "as_of_date", "user_pin"), ()),
    "crowd_summary": (("campaign_id", "as_of_date", "segment"), ()),
    # rebuilt whole by every calibration run, stamped with that run's date (the last one run)
    "dim_store_calibrated": (("shop_id",), ("business_date",)),
}


def _canon(value):
    if isinstance(value, float):
        return repr(round(value, 12))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "\\N" if value is None else str(value)


def content(wh: Warehouse) -> dict[str, tuple[int, str]]:
    """(rows, sha256 of the sorted rows) per output table."""
    out = {}
    for table, (_, skip) in OUTPUTS.items():
        rows = wh.query_sql(f"SELECT * FROM {table}")
        lines = sorted("\t".join(_canon(v) for k, v in r.items() if k not in skip) for r in rows)
        out[table] = (len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest())
    return out


def assert_no_duplicates_no_gaps(wh: Warehouse, days: list[dt.date]) -> None:
    for table, (key, _) in OUTPUTS.items():
        cols = ", ".join(key)
        dup = wh.query_sql(f"SELECT {cols}, COUNT(*) AS n FROM {table} GROUP BY {cols} HAVING COUNT(*) > 1")
        assert dup == [], f"{table}: duplicated rows {dup[:3]}"
    first, last = min(days), max(days)
    stats_days = {r["business_date"] for r in wh.query_sql(
        "SELECT DISTINCT business_date FROM churn_daily_stats")}
    assert stats_days == set(days)
    builds = wh.query_sql("SELECT as_of_date, COUNT(*) AS n FROM crowd_summary GROUP BY as_of_date")
    assert {r["as_of_date"]: r["n"] for r in builds} == {d + dt.timedelta(days=1): 4 for d in days}
    checks = wh.query_sql("SELECT business_date, COUNT(DISTINCT check_name) AS n FROM dq_check_results "
                          "WHERE business_date BETWEEN CAST(:a AS DATE) AND CAST(:b AS DATE) GROUP BY business_date",
                          {"a": first, "b": last})
    assert {r["business_date"]: r["n"] for r in checks} == {d: 10 for d in days}  # 7 + source_values + 2 churn
    # every crowd's prev_users is its previous day's build (whatever the build order)
    gaps = wh.query_sql("SELECT s.as_of_date, s.segment FROM crowd_summary s JOIN crowd_summary p "
                        "ON p.campaign_id = s.campaign_id AND p.segment = s.segment "
                        "AND p.as_of_date = s.as_of_date - 1 WHERE s.prev_users IS DISTINCT FROM p.users")
    assert gaps == []


def prepare(wh: Warehouse, days: list[dt.date]) -> None:
    """Conflicting duplicated keys inside the window, and the calibration run before the backfill."""
    defects.inject(wh, "duplicate_keys", days[len(days) // 2], table="fact_trial", rows=4, conflicting=True)
    defects.inject(wh, "duplicate_keys", days[len(days) // 3], table="fact_order", rows=4, conflicting=True)
    calibration.calibrate_store_city(wh, days[0] - dt.timedelta(days=1))


def backfill(wh: Warehouse, units: list[tuple[str, dt.date]]) -> None:
    for pipeline, day in units:
        P.run(wh, pipeline, day, export=False, alert=False)


def orders(days: list[dt.date], seed: int) -> list[tuple[str, dt.date]]:
    units = [(p, d) for p in P.DAILY for d in days]
    random.Random(seed).shuffle(units)
    return units


def test_backfill_in_any_order_gives_identical_tables(raw_base, tmp_path, rel_env):
    days = WINDOW
    results = []
    for i, seed in enumerate((20260601, 20260602)):
        with Warehouse.duckdb(copy_of(raw_base[0], tmp_path, f"wh{i}.duckdb")) as wh:
            prepare(wh, days)
            units = orders(days, seed)
            backfill(wh, units)
            assert_no_duplicates_no_gaps(wh, days)
            results.append(content(wh))
            if i == 1:  # re-run a sixth of the units again, in yet another order, over the outputs
                backfill(wh, orders(days, 3)[: len(units) // 6])
                assert_no_duplicates_no_gaps(wh, days)
                results.append(content(wh))
    assert results[0] == results[1] == results[2]
    assert results[0]["churn_callback_list"][0] > 0 and results[0]["crowd_membership"][0] > 0


@pytest.fixture()
def pg_schema():
    from tests.conftest import PG_DSN, require_postgres

    require_postgres()
    schema = f"t_rel_{uuid.uuid4().hex[:10]}"
    yield PG_DSN, schema
    with Warehouse("postgres", pg_kwargs={"conninfo": PG_DSN}, schema=schema) as wh:
        wh.connection().execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.postgres
def test_backfill_on_postgres_matches_duckdb(pg_schema, tmp_path, rel_env):
    """A smaller world (1,000 users, 35 days, 6 backfilled): PostgreSQL in one random order (and a few
    re-runs) gives the same tables as DuckDB in another order, row for row.

    ANALYZE after the load: without planner statistics PostgreSQL plans the churn CTEs as nested loops
    (minutes instead of seconds), see docs/operations.md "PostgreSQL planner statistics".
    """
    from outfield.demo import generate

    dsn, schema = pg_schema
    end = D + dt.timedelta(days=2)
    days = [end - dt.timedelta(days=5 - i) for i in range(6)]
    hashes = []
    with Warehouse.duckdb(tmp_path / "small.duckdb") as wh:
        generate(wh, users=1000, days=35, end=end, seed=7)
        prepare(wh, days)
        backfill(wh, orders(days, 1))
        hashes.append(content(wh))
    with Warehouse("postgres", pg_kwargs={"conninfo": dsn}, schema=schema) as wh:
        generate(wh, users=1000, days=35, end=end, seed=7)
        wh.connection().execute("ANALYZE")
        prepare(wh, days)
        backfill(wh, orders(days, 2))
        assert_no_duplicates_no_gaps(wh, days)
        backfill(wh, [u for u in orders(days, 3) if u[0] == "churn"][:2])  # re-runs over the outputs
        hashes.append(content(wh))
    assert hashes[0] == hashes[1]
