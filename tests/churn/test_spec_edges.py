"""Edges of the churn list's rules (SPEC: churn callback list) not covered by test_churn_rules.py.

(a) "no success order by that user at a store of that merchant": a store of the merchant of ANY
    channel. Only the trial must be at an offline store; an order at the merchant's online store
    (Apple 到家) after the first passing trial is a purchase, and the pair did not churn.
(b) "city is the calibrated city (dim_store_calibrated) where the store has one, else the source
    city": the calibrated city wins even over a different, non-blank source city, and a store that
    dim_store_calibrated does not know keeps its source city.

Business date D = 2026-06-10. Every user below is one case; the expected list was worked out by hand
(see the comment on each user). Runs on DuckDB and on the real PostgreSQL server (the ``wh`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import churn
from tests.churn.test_churn_rules import order, trial
from tests.helpers import insert, ts

D = dt.date(2026, 6, 10)

STORES = [
    # the dimension says 天津, the calibration (dim_store_calibrated) says 北京: the list says 北京
    dict(shop_id="A_OFF1", store_name="Apple 三里屯店", merchant_id="M_APPLE", merchant_name="Apple",
         channel="offline", address="北京市朝阳区三里屯路19号", city="天津"),
    # not in dim_store_calibrated: the list keeps the source city 上海
    dict(shop_id="A_OFF2", store_name="Apple 南京东路店", merchant_id="M_APPLE", merchant_name="Apple",
         channel="offline", address="上海市黄浦区南京东路300号", city="上海"),
    dict(shop_id="A_ON", store_name="Apple 到家", merchant_id="M_APPLE", merchant_name="Apple",
         channel="online", address=None, city=None),
    dict(shop_id="L_ON", store_name="联想 到家", merchant_id="M_LENOVO", merchant_name="联想",
         channel="online", address=None, city=None),
]
CALIBRATED = [dict(shop_id="A_OFF1", city="北京", city_source="address", business_date=D)]


TRIALS = [
    trial("T01", "u_on_after", "A_OFF1", "2026-06-10 10:00"),        # Apple 到家 order 11:00: converted
    trial("T02", "u_on_instant", "A_OFF2", "2026-06-10 12:00:00"),   # 到家 order the same second: converted
    trial("T03a", "u_on_second", "A_OFF1", "2026-06-10 10:00"),      # 2 passing trials, 到家 order 12:00
    trial("T03b", "u_on_second", "A_OFF2", "2026-06-10 14:00"),      #   between them: after the first: converted
    trial("T04", "u_on_before", "A_OFF1", "2026-06-10 10:00"),       # 到家 order 09:00, before: churned
    trial("T05", "u_on_next_day", "A_OFF2", "2026-06-10 10:00"),     # 到家 order at D+1 00:00: churned
    trial("T06", "u_on_lenovo", "A_OFF1", "2026-06-10 10:00"),       # 联想 到家 order: churned at Apple
    trial("T07a", "u_on_after_reject", "A_OFF1", "2026-06-10 09:00", result="reject"),  # rejected first,
    trial("T07b", "u_on_after_reject", "A_OFF2", "2026-06-10 10:00"),  # 到家 order 09:30 is before the first
                                                                       # PASSING trial: churned, shop A_OFF2
]

ORDERS = [
    order("O01", "u_on_after", "A_ON", "2026-06-10 11:00"),
    order("O02", "u_on_instant", "A_ON", "2026-06-10 12:00:00"),
    order("O03", "u_on_second", "A_ON", "2026-06-10 12:00"),
    order("O04", "u_on_before", "A_ON", "2026-06-10 09:00"),
    order("O05", "u_on_next_day", "A_ON", "2026-06-11 00:00:00"),
    order("O06", "u_on_lenovo", "L_ON", "2026-06-10 11:00"),
    order("O07", "u_on_after_reject", "A_ON", "2026-06-10 09:30"),
]

# Worked out by hand: listed pair -> (shop of the first passing trial, city of the list)
#   A_OFF1 -> 北京 (calibrated, over the source 天津); A_OFF2 -> 上海 (source: not calibrated)
EXPECTED_LIST = {
    ("u_on_before", "M_APPLE"): ("A_OFF1", "北京"),
    ("u_on_next_day", "M_APPLE"): ("A_OFF2", "上海"),
    ("u_on_lenovo", "M_APPLE"): ("A_OFF1", "北京"),
    ("u_on_after_reject", "M_APPLE"): ("A_OFF2", "上海"),
}
CONVERTED = {"u_on_after", "u_on_instant", "u_on_second"}


@pytest.fixture()
def loaded(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "dim_store_calibrated", CALIBRATED)
    insert(wh, "fact_trial", TRIALS)
    insert(wh, "fact_order", ORDERS)
    churn.build(wh, D, cooldown_days=7)
    return wh


def listed(wh):
    rows = wh.query_sql("SELECT * FROM churn_callback_list WHERE business_date = :d", {"d": D})
    return {(r["user_pin"], r["merchant_id"]): r for r in rows}


def test_order_at_the_merchants_online_store_prevents_churn(loaded):
    got = listed(loaded)
    assert set(got) == set(EXPECTED_LIST)
    assert not CONVERTED & {u for u, _ in got}
    # the shop stays the first PASSING trial's (the rejected 09:00 trial at A_OFF1 is not it)
    assert got[("u_on_after_reject", "M_APPLE")]["shop_id"] == "A_OFF2"
    assert got[("u_on_after_reject", "M_APPLE")]["first_trial_at"] == ts("2026-06-10 10:00")
    assert got[("u_on_after_reject", "M_APPLE")]["trial_count"] == 1


def test_online_orders_count_in_the_daily_stats_too(loaded):
    rows = loaded.query_sql("SELECT * FROM churn_daily_stats WHERE business_date = :d", {"d": D})
    # Apple: 7 users passed offline on D; 3 bought at Apple 到家 after their first passing trial -> 4 churned.
    # Lenovo: only an online order, no trial -> no row.
    assert [(r["merchant_id"], r["pass_users"], r["churned_users"]) for r in rows] == [("M_APPLE", 7, 4)]
    assert rows[0]["churn_rate"] == pytest.approx(4 / 7)


def test_city_is_the_calibrated_city_over_a_different_source_city_else_the_source_city(loaded):
    got = listed(loaded)
    assert {pair: (r["shop_id"], r["city"]) for pair, r in got.items()} == EXPECTED_LIST
    assert got[("u_on_before", "M_APPLE")]["store_name"] == "Apple 三里屯店"
    assert got[("u_on_next_day", "M_APPLE")]["store_name"] == "Apple 南京东路店"
