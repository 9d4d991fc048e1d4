"""store_city: dim_store_calibrated rebuilt whole, and the order amount share at unresolved stores
(worked out by hand in tests/calibration/data.py). DuckDB and PostgreSQL (the ``wh`` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import calibration
from tests.calibration.data import CALIBRATED, ORDERS, STORES, D
from tests.helpers import insert


@pytest.fixture()
def loaded(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_order", ORDERS)
    # a stale row of an earlier build, for a shop that no longer exists: the rebuild drops it
    insert(wh, "dim_store_calibrated", [dict(shop_id="GONE", city="北京", city_source="source",
                                             business_date=dt.date(2026, 6, 1))])
    return wh


def calibrated(wh):
    rows = wh.query_sql("SELECT shop_id, city, city_source, business_date FROM dim_store_calibrated ORDER BY shop_id")
    return rows


def results(wh, check="store_city", d=D):
    rows = wh.query_sql("SELECT * FROM dq_check_results WHERE check_name = :c AND business_date = :d",
                        {"c": check, "d": d})
    return {(r["subject"], r["metric"]): r for r in rows}


def test_dim_store_calibrated_is_rebuilt_whole(loaded):
    outcome = calibration.calibrate_store_city(loaded, D)
    rows = calibrated(loaded)
    assert {r["shop_id"]: (r["city"], r["city_source"]) for r in rows} == CALIBRATED
    assert len(rows) == len(CALIBRATED)  # one row per shop, the stale GONE row is gone
    assert {r["business_date"] for r in rows} == {D}
    assert outcome.by_source == {"source": 3, "address": 3, "unresolved": 2}

    # a later run replaces everything and stamps its own date; same cities
    calibration.calibrate_store_city(loaded, D + dt.timedelta(days=1))
    again = calibrated(loaded)
    assert {r["shop_id"]: (r["city"], r["city_source"]) for r in again} == CALIBRATED
    assert {r["business_date"] for r in again} == {D + dt.timedelta(days=1)}


def test_unresolved_amount_share_by_merchant(loaded):
    calibration.calibrate_store_city(loaded, D)
    got = results(loaded)
    apple = got[("M_APPLE", "unresolved_amount_share")]
    assert apple["value"] == pytest.approx(500 / 2000)  # (300 + 200) / (1000 + 500 + 300 + 200)
    assert apple["status"] == "warn" and apple["threshold"] == "<= 0.05"
    assert "25.0%" in apple["detail"] and "¥500.00 of ¥2,000.00" in apple["detail"]
    assert got[("M_APPLE", "unresolved_stores")]["value"] == 2
    assert got[("M_APPLE", "address_stores")]["value"] == 1
    assert got[("M_APPLE", "unresolved_stores")]["status"] == "pass"

    lenovo = got[("M_LENOVO", "unresolved_amount_share")]
    assert lenovo["value"] == 0 and lenovo["status"] == "pass"
    assert got[("M_LENOVO", "address_stores")]["value"] == 2

    dji = got[("M_DJI", "unresolved_amount_share")]
    assert dji["value"] is None and dji["status"] == "pass" and "no orders" in dji["detail"]
    assert len(got) == 9  # 3 merchants x 3 metrics


def test_threshold_is_configurable(loaded, calibration_config):
    calibration_config("calibration", "unresolved_amount_share_warn", 0.30)
    calibration.calibrate_store_city(loaded, D)
    apple = results(loaded)[("M_APPLE", "unresolved_amount_share")]
    assert apple["status"] == "pass" and apple["threshold"] == "<= 0.3"


def test_rerun_replaces_the_rows_of_the_day(loaded):
    calibration.calibrate_store_city(loaded, D)
    calibration.calibrate_store_city(loaded, D)
    n = loaded.query_sql("SELECT COUNT(*) AS n FROM dq_check_results WHERE check_name = 'store_city'")[0]["n"]
    assert n == 9


def test_churn_list_reads_the_calibrated_city(loaded):
    """churn_callback_list joins dim_store_calibrated: a store without a source city gets the recovered one."""
    from outfield import churn
    from tests.calibration.data import trial

    calibration.calibrate_store_city(loaded, D)
    insert(loaded, "fact_trial", [trial("T1", "u_walk", "A2", "2026-06-10 10:00")])
    churn.build(loaded, D, cooldown_days=0)
    row = loaded.query_sql("SELECT city FROM churn_callback_list WHERE user_pin = 'u_walk'")[0]
    assert row["city"] == "上海"
