"""An edge of the red-packet funnel's rules (SPEC: red-packet code funnel) not covered by
test_funnel_rules.py: a success order with a NULL amount.

"gmv is the amount of those success orders ... (a null amount counts 0)": such an order adds 0 to
gmv but is still a success order, so its user counts in order_users (and the rates built on it).
The existing cases only have a null *redeem* amount.

Week W = 2026-06-08 (Monday) .. 2026-06-14. Expected rows worked out by hand below. Runs on DuckDB
and on the real PostgreSQL server (the ``wh`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import redpacket
from tests.helpers import insert
from tests.redpacket.data import ev, order, trial

W = dt.date(2026, 6, 8)

STORES = [
    dict(shop_id="R1", store_name="Apple 三里屯店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区三里屯路19号", city="北京"),
    dict(shop_id="R2", store_name="Apple 国贸店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区建国门外大街1号", city="北京"),
]

EVENTS = [
    # R1: u_null scans, claims, passes, orders with a NULL amount and redeems 10
    ev("scan", "u_null", "R1", "2026-06-09 10:00"),
    ev("claim", "u_null", "R1", "2026-06-09 10:01", amount=10.0),
    ev("redeem", "u_null", "R1", "2026-06-09 10:20", amount=10.0, order_id="O_null"),
    # R1: u_paid scans, claims, passes, orders 2000 (no redeem)
    ev("scan", "u_paid", "R1", "2026-06-10 10:00"),
    ev("claim", "u_paid", "R1", "2026-06-10 10:01", amount=10.0),
    # R2: u_only_null claims through a shared link (no scan), passes, orders with a NULL amount: the
    #     shop's only order, so its gmv is 0 (not null) while order_users is 1
    ev("claim", "u_only_null", "R2", "2026-06-11 15:00", amount=10.0),
]
TRIALS = [
    trial("T_null", "u_null", "R1", "2026-06-09 10:05"),
    trial("T_paid", "u_paid", "R1", "2026-06-10 10:05"),
    trial("T_only_null", "u_only_null", "R2", "2026-06-11 15:05"),
]
ORDERS = [
    order("O_null", "u_null", "R1", "2026-06-09 10:20", None),
    order("O_paid", "u_paid", "R1", "2026-06-10 10:20", 2000.0),
    order("O_only_null", "u_only_null", "R2", "2026-06-11 15:20", None),
    # a NULL-amount order BEFORE the claim does not count (the claim-time rule still applies)
    order("O_before", "u_only_null", "R2", "2026-06-11 14:00", None),
]

# Worked out by hand:
# R1: scan 2 (u_null, u_paid), claim 2, trial 2, pass 2, order 2 (u_null's null order counts as an
#     order), redeem 1 (u_null); gmv = 0 (null) + 2000 = 2000; cost 10.
#     claim_rate 2/2, trial_rate 2/2, pass_rate 2/2, order_rate 2/2, redeem_rate 1/2.
# R2: scan 0, claim 1, trial 1, pass 1, order 1 (its null order after the claim; the one before does
#     not count); gmv 0 (not null); cost 0. claim_rate null (0 scans), trial/pass/order 1.0, redeem 0/1.
EXPECTED = {
    "R1": dict(scan_users=2, claim_users=2, trial_users=2, pass_users=2, order_users=2, redeem_users=1,
               gmv=2000.0, redpacket_cost=10.0,
               claim_rate=1.0, trial_rate=1.0, pass_rate=1.0, order_rate=1.0, redeem_rate=0.5),
    "R2": dict(scan_users=0, claim_users=1, trial_users=1, pass_users=1, order_users=1, redeem_users=0,
               gmv=0.0, redpacket_cost=0.0,
               claim_rate=None, trial_rate=1.0, pass_rate=1.0, order_rate=1.0, redeem_rate=0.0),
}


@pytest.fixture()
def loaded(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_redpacket_event", EVENTS)
    insert(wh, "fact_trial", TRIALS)
    insert(wh, "fact_order", ORDERS)
    return wh


def test_null_amount_order_counts_the_user_and_zero_gmv(loaded):
    redpacket.build(loaded, W)
    rows = loaded.query_sql("SELECT * FROM redpacket_funnel_weekly WHERE week_start = :w ORDER BY shop_id",
                            {"w": W})
    got = {r["shop_id"]: r for r in rows}
    assert set(got) == set(EXPECTED)
    for shop, expected in EXPECTED.items():
        for col, want in expected.items():
            value = got[shop][col]
            if want is None:
                assert value is None, f"{shop}.{col}: expected null, got {value!r}"
            else:
                assert value is not None and float(value) == pytest.approx(want), f"{shop}.{col}: {value!r} != {want}"


def test_null_amount_order_in_the_merchant_trend(loaded):
    # the trend is derived from source with the same rules: Apple sums R1 and R2
    trend = redpacket.merchant_trend(loaded, W, weeks=1)
    [apple] = [t for t in trend if t["merchant_id"] == "M_APPLE"]
    assert (apple["claim_users"], apple["order_users"]) == (3, 3)
    assert apple["gmv"] == pytest.approx(2000.0)
