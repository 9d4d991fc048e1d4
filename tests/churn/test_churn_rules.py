"""The churn list's rules (SPEC: churn callback list) on a small hand-made warehouse.

Business date D = 2026-06-10 (a Wednesday). Every user below is one case; the expected list and
stats were worked out by hand from the rules, case by case (see the comment on each user).
Runs on DuckDB and on the real PostgreSQL server (the ``wh`` fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from outfield import churn
from tests.helpers import insert, phone, ts

D = dt.date(2026, 6, 10)

STORES = [
    dict(shop_id="S1", store_name="Apple 三里屯店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区三里屯路19号", city="北京"),
    # the same shop twice (a dirty dimension row): must count once
    dict(shop_id="S1", store_name="Apple 三里屯店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区三里屯路19号", city="北京"),
    dict(shop_id="S2", store_name="Apple 国贸店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区建国门外大街1号", city=None),
    dict(shop_id="S3", store_name="Apple 到家", merchant_id="M_APPLE", merchant_name="Apple", channel="online",
         address=None, city=None),
    dict(shop_id="S4", store_name="联想 中关村店", merchant_id="M_LENOVO", merchant_name="联想", channel="offline",
         address="北京市海淀区中关村大街1号", city="北京"),
    dict(shop_id="S5", store_name="大疆 深圳湾店", merchant_id="M_DJI", merchant_name="大疆", channel="offline",
         address="广东省深圳市南山区", city="深圳"),
]


def trial(tid, user, shop, at, result="pass", amount=5000.0):
    return dict(trial_id=tid, user_pin=user, shop_id=shop, trial_at=ts(at), amount=amount, result=result,
                reject_reason=None if result == "pass" else "风控拦截")


def order(oid, user, shop, at, amount=5000.0):
    return dict(order_id=oid, txn_id=None, user_pin=user, shop_id=shop, paid_at=ts(at), amount=amount,
                category="手机", gross_margin=100.0)


TRIALS = [
    trial("T01", "u_reject", "S1", "2026-06-10 10:00", result="reject"),      # rejected: never churned
    trial("T02", "u_online", "S3", "2026-06-10 10:00"),                       # online store: out of scope
    trial("T03", "u_other_merchant", "S1", "2026-06-10 10:00"),               # bought at Lenovo: churned at Apple
    trial("T04", "u_other_store", "S1", "2026-06-10 10:00"),                  # bought at S2 (Apple): converted
    trial("T05", "u_before", "S2", "2026-06-10 10:00"),                       # order before the trial: churned
    trial("T06", "u_midnight", "S1", "2026-06-10 23:00"),                     # order at D+1 00:00: churned
    trial("T07", "u_same_second", "S1", "2026-06-10 12:00:00"),               # order same second: converted
    trial("T08a", "u_several", "S1", "2026-06-10 10:00", amount=5000.0),      # 2 passing trials, max 8000
    trial("T08b", "u_several", "S2", "2026-06-10 11:00", amount=8000.0),
    trial("T08c", "u_several", "S1", "2026-06-10 12:00", result="reject", amount=9000.0),
    trial("T09b", "u_tie", "S2", "2026-06-10 14:00"),                         # tie: smallest trial_id -> S1
    trial("T09a", "u_tie", "S1", "2026-06-10 14:00"),
    trial("T10a", "u_cd7", "S1", "2026-06-03 10:00"),                         # churned D-7 and D: cooled down
    trial("T10b", "u_cd7", "S1", "2026-06-10 10:00"),
    trial("T11a", "u_cd8", "S1", "2026-06-02 10:00"),                         # churned D-8 and D: listed
    trial("T11b", "u_cd8", "S1", "2026-06-10 10:00"),
    trial("T12a", "u_cdm", "S4", "2026-06-07 10:00"),                         # churned Lenovo D-3,
    trial("T12b", "u_cdm", "S1", "2026-06-10 10:00"),                         #   Apple D: listed (per merchant)
    trial("T12c", "u_cdm", "S4", "2026-06-10 15:00"),                         #   Lenovo D: cooled down
    trial("T13", "u_nophone", "S1", "2026-06-10 10:00"),                      # no phone: listed, phone null
    trial("T14", "u_dup", "S1", "2026-06-10 10:00"),                          # duplicated row: one trial
    trial("T14", "u_dup", "S1", "2026-06-10 10:00"),
    trial("T15", None, "S1", "2026-06-10 10:00"),                             # no user: reported, left out
    trial("T16", "u_ghost_shop", "S999", "2026-06-10 10:00"),                 # unknown shop: reported, left out
    trial("T17", "u_conv", "S4", "2026-06-10 10:00"),                         # plain conversion at Lenovo
    trial("T18a", "u_cdconv", "S1", "2026-06-07 10:00"),                      # converted D-3 (not churned),
    trial("T18b", "u_cdconv", "S1", "2026-06-10 10:00"),                      #   churned D: listed
]

ORDERS = [
    order("O03", "u_other_merchant", "S4", "2026-06-10 11:00"),
    order("O04", "u_other_store", "S2", "2026-06-10 11:00"),
    order("O05", "u_before", "S2", "2026-06-10 09:00"),
    order("O06", "u_midnight", "S1", "2026-06-11 00:00:00"),
    order("O07", "u_same_second", "S1", "2026-06-10 12:00:00"),
    order("O17", "u_conv", "S4", "2026-06-10 10:30"),
    order("O17", "u_conv", "S4", "2026-06-10 10:30"),  # duplicated order row
    order("O18", "u_cdconv", "S1", "2026-06-07 10:30"),
]

USERS = [
    dict(user_pin="u_other_merchant", phone=phone("38", "12345678")),
    dict(user_pin="u_before", phone=phone("39", "00001111")),
    dict(user_pin="u_nophone", phone=None),
    dict(user_pin="u_several", phone=phone("50", "22223333")),
]

CALIBRATED = [dict(shop_id="S2", city="北京", city_source="address", business_date=dt.date(2026, 6, 10))]

LISTED_APPLE = {"u_other_merchant", "u_before", "u_midnight", "u_several", "u_tie", "u_cd8", "u_cdm",
                "u_nophone", "u_dup", "u_cdconv"}


@pytest.fixture()
def loaded(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_trial", TRIALS)
    insert(wh, "fact_order", ORDERS)
    insert(wh, "dim_user", USERS)
    insert(wh, "dim_store_calibrated", CALIBRATED)
    return wh


def listed(wh, d=D):
    rows = wh.query_sql("SELECT * FROM churn_callback_list WHERE business_date = :d ORDER BY user_pin, merchant_id",
                        {"d": d})
    return {(r["user_pin"], r["merchant_id"]): r for r in rows}


def stats(wh, d=D):
    rows = wh.query_sql("SELECT * FROM churn_daily_stats WHERE business_date = :d", {"d": d})
    return {r["merchant_id"]: r for r in rows}


def test_list_follows_the_rules(loaded):
    summary = churn.build(loaded, D, cooldown_days=7)
    got = listed(loaded)
    assert set(got) == {(u, "M_APPLE") for u in LISTED_APPLE}
    assert summary["list_rows"] == len(LISTED_APPLE)

    several = got[("u_several", "M_APPLE")]
    assert several["shop_id"] == "S1" and several["store_name"] == "Apple 三里屯店"
    assert several["first_trial_at"] == ts("2026-06-10 10:00")
    assert several["trial_count"] == 2  # the rejected 9000 trial does not count
    assert float(several["max_trial_amount"]) == 8000.0
    assert several["phone_masked"] == "150****3333"

    tie = got[("u_tie", "M_APPLE")]
    assert tie["shop_id"] == "S1" and tie["trial_count"] == 2

    assert got[("u_dup", "M_APPLE")]["trial_count"] == 1
    assert got[("u_nophone", "M_APPLE")]["phone_masked"] is None
    assert got[("u_other_merchant", "M_APPLE")]["phone_masked"] == "138****5678"
    # city: calibrated where the store has one (S2 has no source city), else the source city
    assert got[("u_before", "M_APPLE")]["city"] == "北京"
    assert got[("u_before", "M_APPLE")]["shop_id"] == "S2"
    assert got[("u_midnight", "M_APPLE")]["city"] == "北京"
    assert got[("u_other_merchant", "M_APPLE")]["merchant_name"] == "Apple"


def test_daily_stats_count_before_the_cooldown(loaded):
    churn.build(loaded, D, cooldown_days=7)
    s = stats(loaded)
    assert set(s) == {"M_APPLE", "M_LENOVO"}  # DJI had no trial
    # Apple: 13 users passed offline on D; u_other_store and u_same_second bought -> 11 churned
    assert (s["M_APPLE"]["pass_users"], s["M_APPLE"]["churned_users"]) == (13, 11)
    assert s["M_APPLE"]["churn_rate"] == pytest.approx(11 / 13)
    # Lenovo: u_cdm (churned, cooled down in the list but counted here) and u_conv (bought)
    assert (s["M_LENOVO"]["pass_users"], s["M_LENOVO"]["churned_users"]) == (2, 1)
    assert s["M_LENOVO"]["churn_rate"] == pytest.approx(0.5)
    assert s["M_APPLE"]["merchant_name"] == "Apple"


def test_cooldown_zero_lists_everyone_churned_today(loaded):
    churn.build(loaded, D, cooldown_days=0)
    got = listed(loaded)
    assert set(got) == {(u, "M_APPLE") for u in LISTED_APPLE | {"u_cd7"}} | {("u_cdm", "M_LENOVO")}


def test_earlier_day_is_its_own_list(loaded):
    churn.build(loaded, dt.date(2026, 6, 3), cooldown_days=7)
    assert set(listed(loaded, dt.date(2026, 6, 3))) == {("u_cd7", "M_APPLE")}


def test_rerun_replaces_the_date_and_order_of_runs_does_not_matter(loaded):
    churn.build(loaded, D, cooldown_days=7)
    first = listed(loaded)
    churn.build(loaded, dt.date(2026, 6, 3), cooldown_days=7)
    churn.build(loaded, D, cooldown_days=7)
    again = listed(loaded)
    assert again == first
    n = loaded.query_sql("SELECT COUNT(*) AS n FROM churn_callback_list WHERE business_date = :d", {"d": D})[0]["n"]
    assert n == len(LISTED_APPLE)
    assert len(stats(loaded)) == 2


def test_dirty_rows_are_reported_not_crashing(loaded):
    results = {r.metric: r for r in churn.input_defects(loaded, D)}
    assert results["duplicate_trial_rows"].value == 1 and results["duplicate_trial_rows"].status == "warn"
    assert results["trials_without_user_pin"].value == 1
    assert results["trials_at_unknown_shop"].value == 1
    assert results["trials_without_trial_id"].status == "pass"
    stored = loaded.query_sql("SELECT metric, value, status FROM dq_check_results "
                              "WHERE check_name = 'churn_input' AND business_date = :d", {"d": D})
    assert {r["metric"]: r["value"] for r in stored}["duplicate_trial_rows"] == 1


def test_late_source_table_is_named(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_trial", [trial("T1", "u1", "S1", "2026-06-10 10:00")])
    assert churn.late_tables(wh, D) == ["fact_order"]
    insert(wh, "fact_order", [order("O1", "u1", "S1", "2026-06-10 10:05")])
    assert churn.late_tables(wh, D) == []


def test_export_is_bom_csv_without_full_phones(loaded, data_dir):
    churn.build(loaded, D, cooldown_days=7)
    path, n = churn.export_csv(loaded, D)
    assert path == data_dir / "exports" / "churn_callback_list" / "2026-06-10.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)
    rows = list(csv.DictReader(text.splitlines()))
    assert n == len(rows) == len(LISTED_APPLE)
    assert {r["user_pin"] for r in rows} == LISTED_APPLE
    assert "Apple 三里屯店" in text


@pytest.mark.parametrize("bad", [-1, 61, "7; DROP TABLE x", 1.5, True])
def test_cooldown_param_is_validated(bad):
    with pytest.raises(ValueError):
        churn.validate_cooldown(bad)


def test_a_trial_copied_onto_a_later_day_counts_on_its_first_day_in_list_and_stats(wh):
    """A trial_id loaded twice, on D-1 and again stamped on D, is one trial of D-1 (its earliest copy):
    neither D's list nor D's stats count it; D-1's do. Worked out by hand: on D only u_plain passed (and
    churned) at 联想; on D-1 only u_copy."""
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_trial", [
        trial("T50", "u_copy", "S4", "2026-06-09 15:00"),
        trial("T50", "u_copy", "S4", "2026-06-10 09:00"),   # the same trial again, on D
        trial("T51", "u_plain", "S4", "2026-06-10 10:00"),
    ])
    churn.build(wh, D, cooldown_days=7)
    churn.build(wh, D - dt.timedelta(days=1), cooldown_days=7)
    listed = wh.query_sql("SELECT business_date, user_pin FROM churn_callback_list ORDER BY business_date")
    assert [(r["business_date"], r["user_pin"]) for r in listed] == [
        (D - dt.timedelta(days=1), "u_copy"), (D, "u_plain")]
    stats = wh.query_sql("SELECT business_date, pass_users, churned_users FROM churn_daily_stats "
                         "WHERE merchant_id = 'M_LENOVO' ORDER BY business_date")
    assert [(r["business_date"], r["pass_users"], r["churned_users"]) for r in stats] == [
        (D - dt.timedelta(days=1), 1, 1), (D, 1, 1)]
