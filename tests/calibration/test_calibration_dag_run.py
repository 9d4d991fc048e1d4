"""A real Airflow run of data_calibration_daily (`airflow dags test` on the session's temp AIRFLOW_HOME)
on a temp DuckDB warehouse full of defects: the run succeeds, and dq_check_results holds the findings.

The logical date 2026-06-10T23:00Z is the scheduled instant 2026-06-11 07:00 Asia/Shanghai, so the DAG
derives D = 2026-06-10 itself, as a scheduled run does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outfield.warehouse import Warehouse
from tests.calibration.data import CALIBRATED, ORDERS, STORES
from tests.calibration.test_checks import FUNNEL_ORDERS, FUNNEL_STORES, FUNNEL_TRIALS, FUNNEL_TXNS, KEY_USERS
from tests.helpers import insert

pytestmark = pytest.mark.e2e
LOGICAL = "2026-06-10T23:00:00+00:00"
D = "2026-06-10"


def _airflow(args, env, timeout=300):
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def run_env(airflow_db, tmp_path, data_dir):
    data = data_dir
    env = os.environ.copy()
    env["OUTFIELD_DATA_DIR"] = str(data)
    env["AIRFLOW_CONN_WAREHOUSE"] = json.dumps({"conn_type": "duckdb", "host": str(tmp_path / "wh.duckdb")})
    env.pop("AIRFLOW_CONN_SLACK_API_DEFAULT", None)
    config = tmp_path / "outfield.yaml"
    config.write_text(textwrap.dedent("""
        calibration:
          gross_margin_floor:
            M_APPLE: 1000
    """), encoding="utf-8")
    env["OUTFIELD_CONFIG"] = str(config)
    with Warehouse.duckdb(tmp_path / "wh.duckdb") as wh:
        wh.create_source_tables()
        wh.ensure_tables()
        insert(wh, "dim_store", STORES + FUNNEL_STORES)
        insert(wh, "dim_user", KEY_USERS)
        insert(wh, "fact_order", ORDERS + FUNNEL_ORDERS)
        insert(wh, "fact_trial", FUNNEL_TRIALS)
        insert(wh, "fact_txn", FUNNEL_TXNS)
        # fact_redpacket_event: no rows for D (a late table)
    return env, tmp_path, data


def _query(path, sql, params=None):
    with Warehouse.duckdb(path) as wh:
        return wh.query_sql(sql, params or {})


def test_dag_run_with_defects_succeeds_and_records_findings(run_env):
    env, tmp, data = run_env
    result = _airflow(["dags", "test", "data_calibration_daily", LOGICAL], env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]

    rows = _query(tmp / "wh.duckdb", "SELECT * FROM dq_check_results WHERE business_date = CAST(:d AS DATE)", {"d": D})
    assert {r["check_name"] for r in rows} == {"store_city", "funnel_monotonic", "source_freshness", "source_volume",
                                               "primary_key", "not_null", "gross_margin_floor", "source_values"}
    found = {(r["check_name"], r["subject"], r["metric"]): r["status"] for r in rows}
    assert found[("store_city", "M_APPLE", "unresolved_amount_share")] == "warn"
    assert found[("funnel_monotonic", "F2", "stage_excess_users")] == "warn"
    assert found[("source_freshness", "fact_redpacket_event", "rows_of_day")] == "fail"
    assert found[("primary_key", "dim_user", "duplicate_rows")] == "warn"
    assert found[("not_null", "dim_user", "null_user_pin")] == "warn"
    assert found[("gross_margin_floor", "M_APPLE", "gross_margin_7d")] == "fail"  # 700 < 1000
    assert found[("gross_margin_floor", "M_LENOVO", "gross_margin_7d")] == "fail"  # -10 < 0
    assert found[("source_values", "fact_order", "negative_amount_rows")] == "pass"
    assert found[("source_values", "fact_trial", "unknown_shop_rows")] == "pass"
    # common-sql's SQLColumnCheckOperator on our own output, its outcome recorded next to the source checks
    assert found[("primary_key", "dim_store_calibrated", "shop_id_unique_check")] == "pass"
    assert found[("not_null", "dim_store_calibrated", "shop_id_null_check")] == "pass"
    assert found[("not_null", "dim_store_calibrated", "city_source_null_check")] == "pass"

    calibrated = _query(tmp / "wh.duckdb", "SELECT shop_id, city, city_source, business_date FROM dim_store_calibrated")
    by_shop = {r["shop_id"]: (r["city"], r["city_source"]) for r in calibrated}
    assert {k: by_shop[k] for k in CALIBRATED} == CALIBRATED
    assert {r["business_date"].isoformat() for r in calibrated} == {D}

    # one grouped message (Slack is not connected: the outbox), with the link to this run
    outbox = [json.loads(line) for line in (data / "alerts" / "outbox.jsonl").read_text("utf-8").splitlines()]
    findings = [m for m in outbox if m["kind"] == "findings"]
    assert len(findings) == 1, outbox
    text = findings[0]["text"]
    assert "/dags/data_calibration_daily/runs/" in text
    assert "`F2` stage_excess_users" in text and "`M_APPLE` unresolved_amount_share" in text
    assert not [m for m in outbox if m["kind"] == "failure"], outbox

    # the run again: same rows, nothing new alerted (suppression state in the data folder)
    second = _airflow(["dags", "test", "data_calibration_daily", LOGICAL], env)
    assert second.returncode == 0, (second.stdout + second.stderr)[-4000:]
    again = _query(tmp / "wh.duckdb", "SELECT COUNT(*) AS n FROM dq_check_results WHERE business_date = CAST(:d AS DATE)",
                   {"d": D})
    assert again[0]["n"] == len(rows)
    outbox = [json.loads(line) for line in (data / "alerts" / "outbox.jsonl").read_text("utf-8").splitlines()]
    assert len([m for m in outbox if m["kind"] == "findings"]) == 1
