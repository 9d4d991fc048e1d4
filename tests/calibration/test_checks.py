"""funnel_monotonic, source_freshness, source_volume, primary_key, not_null and gross_margin_floor on
small hand-made warehouses (answers worked out by hand). DuckDB and PostgreSQL (the ``wh`` fixture).

D = 2026-06-10, a Wednesday; its same weekdays before are 06-03, 05-27, 05-20, 05-13.
"""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import calibration
from tests.calibration.data import (
    APPLE_GROSS_MARGIN_7D,
    LENOVO_GROSS_MARGIN_7D,
    ORDERS,
    STORES,
    D,
    event,
    order,
    store,
    trial,
    txn,
)
from tests.helpers import insert


def stored(wh, check, d=D):
    rows = wh.query_sql("SELECT * FROM dq_check_results WHERE check_name = :c AND business_date = :d",
                        {"c": check, "d": d})
    return {(r["subject"], r["metric"]): r for r in rows}


# ------------------------------------------------------------------------------ funnel_monotonic
FUNNEL_STORES = [store("F1", "M_APPLE", "Apple", "北京", None, store_name="Apple 三里屯"),
                 store("F2", "M_APPLE", "Apple", "北京", None, store_name="Apple 国贸"),
                 store("F3", "M_VIVO", "vivo", "上海", None, store_name="vivo 南京路")]
FUNNEL_TRIALS = [
    # F1 healthy: 3 passing users (u4 rejected) >= 2 transacting (u2's failed still counts) >= 1 ordering
    trial("T1", "u1", "F1", "2026-06-10 10:00"), trial("T2", "u2", "F1", "2026-06-10 10:00"),
    trial("T3", "u3", "F1", "2026-06-10 10:00"), trial("T4", "u4", "F1", "2026-06-10 10:00", result="reject"),
    trial("T1", "u1", "F1", "2026-06-10 10:00"),                                  # a duplicated row
    # F2 lost a transaction: 2 passing, 1 transacting, 2 ordering
    trial("T5", "u1", "F2", "2026-06-10 11:00"), trial("T6", "u2", "F2", "2026-06-10 11:00"),
    # F3: 1 passing, 2 transacting (u6 was rejected yet transacted), 0 ordering
    trial("T7", "u5", "F3", "2026-06-10 12:00"), trial("T8", "u6", "F3", "2026-06-10 12:00", result="reject"),
]
FUNNEL_TXNS = [
    txn("X1", "u1", "F1", "2026-06-10 10:05"), txn("X2", "u2", "F1", "2026-06-10 10:05", status="failed"),
    txn("X3", "u1", "F2", "2026-06-10 11:05"),
    txn("X4", "u5", "F3", "2026-06-10 12:05", status="cancelled"), txn("X5", "u6", "F3", "2026-06-10 12:05"),
    txn("X6", "u9", "F2", "2026-06-09 11:05"), txn("X7", "u8", "F2", "2026-06-09 11:05"),  # D-1: not D's
]
FUNNEL_ORDERS = [
    order("P1", "F1", "2026-06-10 10:10", 1000.0, user="u1"),
    order("P2", "F2", "2026-06-10 11:10", 1000.0, user="u1"),
    order("P3", "F2", "2026-06-10 11:10", 1000.0, user="u2"),
]


def test_funnel_reports_the_shop_that_lost_transactions(wh):
    insert(wh, "dim_store", FUNNEL_STORES)
    insert(wh, "fact_trial", FUNNEL_TRIALS)
    insert(wh, "fact_txn", FUNNEL_TXNS)
    insert(wh, "fact_order", FUNNEL_ORDERS)
    calibration.check_funnel(wh, D)
    got = stored(wh, "funnel_monotonic")
    assert set(got) == {("F2", "stage_excess_users"), ("F3", "stage_excess_users"), (None, "shops_checked")}

    f2 = got[("F2", "stage_excess_users")]
    assert (f2["value"], f2["status"]) == (1, "warn")
    assert "pass_users=2, txn_users=1, order_users=2" in f2["detail"]
    assert "ordering users exceed transacting users by 1" in f2["detail"] and "fact_txn" in f2["detail"]
    assert "Apple 国贸" in f2["detail"]

    f3 = got[("F3", "stage_excess_users")]
    assert f3["value"] == 1 and "pass_users=1, txn_users=2, order_users=0" in f3["detail"]
    assert "transacting users exceed passing-trial users by 1" in f3["detail"]

    assert got[(None, "shops_checked")]["value"] == 3
    assert got[(None, "shops_checked")]["status"] == "pass"


def test_healthy_shop_gives_no_finding(wh):
    insert(wh, "dim_store", FUNNEL_STORES[:1])
    insert(wh, "fact_trial", FUNNEL_TRIALS[:5])
    insert(wh, "fact_txn", FUNNEL_TXNS[:2])
    insert(wh, "fact_order", FUNNEL_ORDERS[:1])
    results = calibration.check_funnel(wh, D)
    assert [(r.metric, r.status) for r in results] == [("shops_checked", "pass")]
    assert results[0].value == 1


# ------------------------------------------------------------------------------ freshness, volume
def rows_on(make, table_prefix, day, n, shop="F1"):
    return [make(f"{table_prefix}_{day}_{i}", shop, f"{day} 10:00") for i in range(n)]


def _txn(i, shop, at):
    return txn(i, "u1", shop, at)


def _order(i, shop, at):
    return order(i, shop, at, 100.0)


def _trial(i, shop, at):
    return trial(i, "u1", shop, at)


def _event(i, shop, at):
    return event(i, shop, at)


SAME_WEEKDAYS = ["2026-06-03", "2026-05-27", "2026-05-20", "2026-05-13"]


@pytest.fixture()
def volumes(wh):
    """fact_txn: 40 rows each past Wednesday, 20 on D (-50 %). fact_order: 40 each past Wednesday, 38 on D.
    fact_trial: only two past Wednesdays with rows (short history). fact_redpacket_event: nothing on D.
    Every table also has 100 rows on Tuesday D-1, which is not a Wednesday and must not count."""
    txns, orders, trials, events = [], [], [], []
    for day in SAME_WEEKDAYS:
        txns += rows_on(_txn, "x", day, 40)
        orders += rows_on(_order, "o", day, 40)
    for day in SAME_WEEKDAYS[:2]:
        trials += rows_on(_trial, "t", day, 10)
    txns += rows_on(_txn, "x", "2026-06-10", 20) + rows_on(_txn, "x", "2026-06-09", 100)
    orders += rows_on(_order, "o", "2026-06-10", 38) + rows_on(_order, "o", "2026-06-09", 100)
    trials += rows_on(_trial, "t", "2026-06-10", 10) + rows_on(_trial, "t", "2026-06-09", 100)
    events += rows_on(_event, "e", "2026-06-09", 100) + rows_on(_event, "e", "2026-06-11", 5)
    insert(wh, "fact_txn", txns)
    insert(wh, "fact_order", orders)
    insert(wh, "fact_trial", trials)
    insert(wh, "fact_redpacket_event", events)
    return wh


def test_table_missing_the_day_fails_freshness(volumes):
    calibration.check_freshness_volume(volumes, D)
    fresh = stored(volumes, "source_freshness")
    assert fresh[("fact_redpacket_event", "rows_of_day")]["status"] == "fail"
    assert fresh[("fact_redpacket_event", "rows_of_day")]["value"] == 0
    assert "no rows for 2026-06-10" in fresh[("fact_redpacket_event", "rows_of_day")]["detail"]
    for table, n in (("fact_txn", 20), ("fact_order", 38), ("fact_trial", 10)):
        assert (fresh[(table, "rows_of_day")]["status"], fresh[(table, "rows_of_day")]["value"]) == ("pass", n)


def test_volume_drop_on_a_weekday_warns_and_a_steady_day_passes(volumes):
    calibration.check_freshness_volume(volumes, D)
    vol = stored(volumes, "source_volume")
    # history 40, 40, 40, 40: median 40, MAD 0 -> half-width max(0, 25 % of 40) = 10 -> [30, 50]
    drop = vol[("fact_txn", "rows_of_day")]
    assert (drop["value"], drop["status"]) == (20, "warn")
    assert drop["threshold"] == "[30, 50] (expected 40, n=4)"
    assert "-50%" in drop["detail"] and "[40, 40, 40, 40]" in drop["detail"]
    steady = vol[("fact_order", "rows_of_day")]
    assert (steady["value"], steady["status"]) == (38, "pass")
    assert steady["threshold"] == "[30, 50] (expected 40, n=4)"


def test_short_history_passes_with_a_note(volumes):
    calibration.check_freshness_volume(volumes, D)
    vol = stored(volumes, "source_volume")
    short = vol[("fact_trial", "rows_of_day")]
    assert short["status"] == "pass"
    assert "history too short" in short["threshold"] and "2 of the last 4 Wednesdays" in short["detail"]
    # no history at all, and nothing on D: freshness fails, the volume has nothing to predict from
    assert vol[("fact_redpacket_event", "rows_of_day")]["status"] == "pass"


def test_a_deviation_under_25_percent_is_never_an_anomaly(wh):
    txns = []
    for day, n in zip(SAME_WEEKDAYS, (40, 41, 39, 40), strict=True):
        txns += rows_on(_txn, "x", day, n)
    txns += rows_on(_txn, "x", "2026-06-10", 31)  # -22.5 % of 40: inside, although far outside 3 MAD
    insert(wh, "fact_txn", txns)
    calibration.check_freshness_volume(wh, D)
    assert stored(wh, "source_volume")[("fact_txn", "rows_of_day")]["status"] == "pass"


def test_a_repeated_key_counts_once_in_freshness_and_volume(wh):
    # past Wednesdays: 40 distinct txns each, one of them also with 40 exact copies (80 rows, 40 txns);
    # D: 20 distinct txns, each twice (40 rows), plus 1 row without a txn_id (a row: not_null reports it)
    txns = []
    for day in SAME_WEEKDAYS:
        txns += rows_on(_txn, "x", day, 40)
    txns += rows_on(_txn, "x", SAME_WEEKDAYS[0], 40)
    txns += rows_on(_txn, "x", "2026-06-10", 20) * 2
    txns.append(_txn(None, "F1", "2026-06-10 11:00"))
    insert(wh, "fact_txn", txns)
    calibration.check_freshness_volume(wh, D)
    fresh = stored(wh, "source_freshness")[("fact_txn", "rows_of_day")]
    assert (fresh["status"], fresh["value"]) == ("pass", 21)
    vol = stored(wh, "source_volume")[("fact_txn", "rows_of_day")]
    # history 40, 40, 40, 40 (not 80 for the copied day) -> band [30, 50]; D: 21 distinct -> warn
    assert (vol["value"], vol["status"]) == (21, "warn")
    assert vol["threshold"] == "[30, 50] (expected 40, n=4)"
    assert "[40, 40, 40, 40]" in vol["detail"]


# ------------------------------------------------------------------------------ primary_key, not_null
KEY_USERS = [dict(user_pin="u1", phone=None), dict(user_pin="u1", phone=None),     # identical duplicate
             dict(user_pin="u2", phone=None), dict(user_pin=None, phone=None)]      # a user without pin
KEY_STORES = [store("S1", "M_APPLE", "Apple", "北京", None), store("S1", "M_APPLE", "Apple", "上海", None),
              store("S2", "M_APPLE", "Apple", "北京", None)]
KEY_TRIALS = [trial("T1", "u1", "S1", "2026-06-10 10:00"), trial("T1", "u1", "S1", "2026-06-10 10:00"),
              trial("T2", None, "S1", "2026-06-10 11:00"),
              trial("T9", "u1", "S1", "2026-06-09 10:00"), trial("T9", "u1", "S1", "2026-06-09 10:00")]  # D-1
KEY_ORDERS = [order("O1", "S1", "2026-06-10 10:00", 100.0), order("O1", "S1", "2026-06-10 10:00", 120.0),
              order("O2", "S2", "2026-06-10 12:00", 100.0, gross_margin=None)]


def load_key_defects(wh):
    insert(wh, "dim_user", KEY_USERS)
    insert(wh, "dim_store", KEY_STORES)
    insert(wh, "fact_trial", KEY_TRIALS)
    insert(wh, "fact_order", KEY_ORDERS)


def test_duplicates_and_nulls_are_findings(wh):
    load_key_defects(wh)
    calibration.check_keys_and_nulls(wh, D)
    pk = stored(wh, "primary_key")
    nn = stored(wh, "not_null")
    assert (pk[("dim_user", "duplicate_rows")]["value"], pk[("dim_user", "duplicate_rows")]["status"]) == (1, "warn")
    assert pk[("dim_user", "conflicting_keys")]["status"] == "pass"
    assert (nn[("dim_user", "null_user_pin")]["value"], nn[("dim_user", "null_user_pin")]["status"]) == (1, "warn")
    # S1 twice with different cities: a conflicting key (which row is right is unknown)
    assert pk[("dim_store", "duplicate_rows")]["value"] == 1
    assert (pk[("dim_store", "conflicting_keys")]["value"], pk[("dim_store", "conflicting_keys")]["status"]) == (1, "fail")
    # fact_trial among the rows of D: T1 twice (identical), T2 without user; T9's duplicate is D-1's
    assert pk[("fact_trial", "duplicate_rows")]["value"] == 1
    assert pk[("fact_trial", "conflicting_keys")]["value"] == 0
    assert "3 rows" in pk[("fact_trial", "duplicate_rows")]["detail"]
    assert (nn[("fact_trial", "null_user_pin")]["value"], nn[("fact_trial", "null_user_pin")]["status"]) == (1, "warn")
    assert nn[("fact_trial", "null_shop_id")]["status"] == "pass"
    # fact_order: O1 twice with different amounts (fail), O2 without gross_margin
    assert pk[("fact_order", "conflicting_keys")]["status"] == "fail"
    assert nn[("fact_order", "null_gross_margin")]["value"] == 1
    # fact_txn has no rows of D: checked, nothing found
    assert pk[("fact_txn", "duplicate_rows")]["status"] == "pass"
    assert nn[("fact_txn", "null_txn_id")]["value"] == 0
    # every table and required column has its row
    assert {s for s, _ in pk} == {t.name for t in calibration.SOURCE_TABLES}
    assert len(nn) == sum(1 + len(t.required) for t in calibration.SOURCE_TABLES)


def test_defects_do_not_stop_the_other_checks(wh):
    load_key_defects(wh)
    calibration.check_keys_and_nulls(wh, D)
    calibration.check_funnel(wh, D)
    calibration.check_gross_margin(wh, D)
    calibration.check_freshness_volume(wh, D)
    names = {r["check_name"] for r in wh.query_sql(
        "SELECT DISTINCT check_name FROM dq_check_results WHERE business_date = :d", {"d": D})}
    assert names == {"primary_key", "not_null", "funnel_monotonic", "gross_margin_floor", "source_freshness",
                     "source_volume"}


def test_a_table_that_cannot_be_read_fails_the_step_after_the_others_are_written(wh):
    load_key_defects(wh)
    wh.query_sql("SELECT 1 AS one")  # the connection is open
    wh.connection().execute("DROP TABLE fact_redpacket_event")
    with pytest.raises(calibration.ChecksIncomplete, match="fact_redpacket_event"):
        calibration.check_keys_and_nulls(wh, D)
    pk = stored(wh, "primary_key")
    assert pk[("fact_redpacket_event", "check_error")]["status"] == "fail"
    assert pk[("dim_store", "conflicting_keys")]["status"] == "fail"  # the others were checked and written
    with pytest.raises(calibration.ChecksIncomplete, match="fact_redpacket_event"):
        calibration.check_freshness_volume(wh, D)
    fresh = stored(wh, "source_freshness")
    assert fresh[("fact_redpacket_event", "check_error")]["status"] == "fail"
    assert fresh[("fact_trial", "rows_of_day")]["status"] == "pass"


# ------------------------------------------------------------------------------ gross_margin_floor
def test_gross_margin_below_the_floor_fails(wh, calibration_config):
    calibration_config("calibration", "gross_margin_floor", {"M_APPLE": 1000, "M_DJI": -100})
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_order", ORDERS)
    calibration.check_gross_margin(wh, D)
    got = stored(wh, "gross_margin_floor")
    apple = got[("M_APPLE", "gross_margin_7d")]
    assert apple["value"] == pytest.approx(APPLE_GROSS_MARGIN_7D)  # 400 + 300 - 50 + 50: O3 once
    assert (apple["status"], apple["threshold"]) == ("fail", ">= 1000")
    assert "below the floor ¥1,000.00 by ¥300.00" in apple["detail"]
    lenovo = got[("M_LENOVO", "gross_margin_7d")]  # no floor configured: 0
    assert (lenovo["value"], lenovo["status"], lenovo["threshold"]) == (LENOVO_GROSS_MARGIN_7D, "fail", ">= 0")
    dji = got[("M_DJI", "gross_margin_7d")]  # no orders: 0 >= -100
    assert (dji["value"], dji["status"]) == (0, "pass")


def test_gross_margin_at_or_above_the_floor_passes(wh, calibration_config):
    calibration_config("calibration", "gross_margin_floor", {"M_APPLE": 700, "M_LENOVO": -10})
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_order", ORDERS)
    results = {r.subject: r for r in calibration.check_gross_margin(wh, D)}
    assert results["M_APPLE"].status == "pass" and results["M_APPLE"].value == pytest.approx(700)
    assert results["M_LENOVO"].status == "pass"  # -10 is at the floor, not below it


def test_rerun_of_a_day_replaces_its_rows_only(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_order", ORDERS)
    calibration.check_gross_margin(wh, D)
    calibration.check_gross_margin(wh, D - dt.timedelta(days=1))
    calibration.check_gross_margin(wh, D)
    counts = wh.query_sql("SELECT business_date, COUNT(*) AS n FROM dq_check_results "
                          "WHERE check_name = 'gross_margin_floor' GROUP BY business_date ORDER BY business_date")
    assert [(r["business_date"], r["n"]) for r in counts] == [(D - dt.timedelta(days=1), 3), (D, 3)]
