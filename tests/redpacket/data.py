"""A hand-made warehouse for the red-packet funnel (SPEC: red-packet code funnel).

Week W = 2026-06-08 (Monday) .. 2026-06-14 (Sunday); the previous week W-1 starts 2026-06-01.
Every user is one case; the expected rows of W were worked out by hand (see EXPECTED_W).
Shared by the rule tests, the dashboard tests and the weekly report test.
"""

from __future__ import annotations

import datetime as dt

from tests.helpers import ts

W = dt.date(2026, 6, 8)
W_PREV = dt.date(2026, 6, 1)
D = dt.date(2026, 6, 14)  # the Sunday: business date of the Monday 2026-06-15 run

STORES = [
    dict(shop_id="S1", store_name="Apple 三里屯店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区三里屯路19号", city="北京"),
    dict(shop_id="S1", store_name="Apple 三里屯店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区三里屯路19号", city="北京"),  # duplicated dimension row: one shop
    dict(shop_id="S2", store_name="Apple 国贸店", merchant_id="M_APPLE", merchant_name="Apple", channel="offline",
         address="北京市朝阳区建国门外大街1号", city=None),  # city only in dim_store_calibrated
    dict(shop_id="S3", store_name="联想 中关村店", merchant_id="M_LENOVO", merchant_name="联想", channel="offline",
         address="北京市海淀区中关村大街1号", city="北京"),
    dict(shop_id="S4", store_name="大疆 深圳湾店", merchant_id="M_DJI", merchant_name="大疆", channel="offline",
         address="广东省深圳市南山区", city="深圳"),
    dict(shop_id="S5", store_name="vivo 西单店", merchant_id="M_VIVO", merchant_name="vivo", channel="offline",
         address="北京市西城区西单北大街", city="北京"),  # no red-packet activity: no row
]
CALIBRATED = [dict(shop_id="S2", city="北京", city_source="address", business_date=D)]

_n = iter(range(1, 10_000))


def ev(kind, user, shop, at, amount=None, order_id=None, event_id=None):
    return dict(event_id=event_id or f"E{next(_n):04d}", code_id=f"C_{shop}", shop_id=shop, user_pin=user,
                event_type=kind, event_at=ts(at), amount=amount, order_id=order_id)


def trial(tid, user, shop, at, result="pass", amount=5000.0):
    return dict(trial_id=tid, user_pin=user, shop_id=shop, trial_at=ts(at), amount=amount, result=result,
                reject_reason=None if result == "pass" else "风控拦截")


def order(oid, user, shop, at, amount):
    return dict(order_id=oid, txn_id=None, user_pin=user, shop_id=shop, paid_at=ts(at), amount=amount,
                category="手机", gross_margin=100.0)


EVENTS = [
    # S1 ---------------------------------------------------------------------------------------------
    # u_full: the whole funnel: scan, claim, passing trial, order 5000, redeem 50
    ev("scan", "u_full", "S1", "2026-06-08 10:00"),
    ev("claim", "u_full", "S1", "2026-06-08 10:05", amount=50.0),
    ev("redeem", "u_full", "S1", "2026-06-08 10:15", amount=50.0, order_id="O_full"),
    # u_twice scans twice, never claims: one scan user
    ev("scan", "u_twice", "S1", "2026-06-09 11:00"),
    ev("scan", "u_twice", "S1", "2026-06-10 11:00"),
    # an anonymous scan: no scan user (but it alone would give a shop a row, see S4)
    ev("scan", None, "S1", "2026-06-09 11:30"),
    # u_trial_before: trial and order BEFORE the claim: only the scan and the claim count
    ev("scan", "u_trial_before", "S1", "2026-06-09 11:55"),
    ev("claim", "u_trial_before", "S1", "2026-06-09 12:00", amount=30.0),
    # u_reject: claim, then a rejected trial: a trial user, not a pass user
    ev("claim", "u_reject", "S1", "2026-06-10 10:00", amount=30.0),
    # u_shared: claim through a shared link, no scan (this is how claim_rate exceeds 1)
    ev("claim", "u_shared", "S1", "2026-06-11 10:00", amount=30.0),
    # u_prevweek: claimed in W-1 (Sunday); trial and order in W: not a claimer of W
    ev("claim", "u_prevweek", "S1", "2026-06-07 20:00", amount=30.0),
    # u_other_shop: claim and passing trial at S1, the order at S2 (same merchant): no order at S1
    ev("claim", "u_other_shop", "S1", "2026-06-12 10:00", amount=30.0),
    # u_redeem_noclaim: redeems (and orders) at S1 without any claim: counts nowhere
    ev("redeem", "u_redeem_noclaim", "S1", "2026-06-12 11:00", amount=30.0, order_id="O_nc"),
    # u_nullamt: the redeem has a null amount: a redeem user, cost + 0
    ev("claim", "u_nullamt", "S1", "2026-06-13 10:00", amount=30.0),
    ev("redeem", "u_nullamt", "S1", "2026-06-13 10:10", amount=None, order_id="O_nullamt"),
    # u_dup: the claim and the redeem rows are duplicated (same event_id): counted once, cost 20 once
    ev("claim", "u_dup", "S1", "2026-06-13 11:00", amount=20.0, event_id="E_dup_claim"),
    ev("claim", "u_dup", "S1", "2026-06-13 11:00", amount=20.0, event_id="E_dup_claim"),
    ev("redeem", "u_dup", "S1", "2026-06-13 11:20", amount=20.0, order_id="O_dup", event_id="E_dup_redeem"),
    ev("redeem", "u_dup", "S1", "2026-06-13 11:20", amount=20.0, order_id="O_dup", event_id="E_dup_redeem"),
    # u_claim_twice: claims twice; claim time = the first claim; an order before it does not count
    ev("claim", "u_claim_twice", "S1", "2026-06-09 15:00", amount=30.0),
    ev("claim", "u_claim_twice", "S1", "2026-06-11 15:00", amount=30.0),
    # u_same_instant: trial and order at the very second of the claim: both count (inclusive)
    ev("claim", "u_same_instant", "S1", "2026-06-14 20:00:00", amount=30.0),
    # u_next_week: claims Sunday night, orders Monday: the order is outside W
    ev("claim", "u_next_week", "S1", "2026-06-14 21:00", amount=30.0),
    # S2 ---------------------------------------------------------------------------------------------
    # one scanner who claims, one claim through a shared link: claim_rate 2 / 1 = 2.0
    ev("scan", "u_s2a", "S2", "2026-06-10 10:00"),
    ev("claim", "u_s2a", "S2", "2026-06-10 10:01", amount=30.0),
    ev("claim", "u_s2b", "S2", "2026-06-10 12:00", amount=30.0),
    # S3: a scan and a claim, nothing after ------------------------------------------------------------
    ev("scan", "u_l1", "S3", "2026-06-12 16:00"),
    ev("claim", "u_l1", "S3", "2026-06-12 16:01", amount=30.0),
    # S4: one anonymous scan only: a row of zeros, every rate null -------------------------------------
    ev("scan", None, "S4", "2026-06-13 12:00"),
    # S999: a shop dim_store does not know: a row without merchant ---------------------------------------
    ev("scan", "u_ghost", "S999", "2026-06-13 13:00"),
    # S5 has only a redeem (no scan/claim): no row ------------------------------------------------------
    ev("redeem", "u_v", "S5", "2026-06-13 14:00", amount=10.0, order_id="O_v"),
]

TRIALS = [
    trial("T_full", "u_full", "S1", "2026-06-08 10:10"),
    trial("T_before", "u_trial_before", "S1", "2026-06-09 11:00"),
    trial("T_reject", "u_reject", "S1", "2026-06-10 10:05", result="reject"),
    trial("T_prev", "u_prevweek", "S1", "2026-06-08 09:00"),
    trial("T_other", "u_other_shop", "S1", "2026-06-12 10:05"),
    trial("T_nullamt", "u_nullamt", "S1", "2026-06-13 10:05"),
    trial("T_dup", "u_dup", "S1", "2026-06-13 11:05"),
    trial("T_dup", "u_dup", "S1", "2026-06-13 11:05"),  # duplicated trial row
    trial("T_twice", "u_claim_twice", "S1", "2026-06-10 10:00"),
    trial("T_same", "u_same_instant", "S1", "2026-06-14 20:00:00"),
]

ORDERS = [
    order("O_full", "u_full", "S1", "2026-06-08 10:15", 5000.0),
    order("O_before", "u_trial_before", "S1", "2026-06-09 11:30", 4000.0),
    order("O_prev", "u_prevweek", "S1", "2026-06-08 09:10", 4500.0),
    order("O_other", "u_other_shop", "S2", "2026-06-12 10:20", 6000.0),
    order("O_nc", "u_redeem_noclaim", "S1", "2026-06-12 11:00", 7000.0),
    order("O_nullamt", "u_nullamt", "S1", "2026-06-13 10:10", 3000.0),
    order("O_dup", "u_dup", "S1", "2026-06-13 11:20", 2000.0),
    order("O_dup", "u_dup", "S1", "2026-06-13 11:20", 2000.0),  # duplicated order row: gmv once
    order("O_twice", "u_claim_twice", "S1", "2026-06-09 14:00", 3500.0),  # before the first claim
    order("O_same", "u_same_instant", "S1", "2026-06-14 20:00:00", 1000.0),
    order("O_next", "u_next_week", "S1", "2026-06-15 09:00", 8000.0),
    order("O_v", "u_v", "S5", "2026-06-13 14:00", 900.0),
]

# Worked out by hand, case by case (see the comments above).
# S1: scanners u_full, u_twice, u_trial_before = 3 (the anonymous scan is no user);
#     claimers u_full, u_trial_before, u_reject, u_shared, u_other_shop, u_nullamt, u_dup, u_claim_twice,
#       u_same_instant, u_next_week = 10 (u_prevweek claimed in W-1, u_redeem_noclaim never claimed);
#     trial after claim: u_full, u_reject, u_other_shop, u_nullamt, u_dup, u_claim_twice, u_same_instant = 7;
#     passing: the same minus u_reject = 6;
#     orders at S1 after claim: u_full 5000, u_nullamt 3000, u_dup 2000 (once), u_same_instant 1000 = 4, 11000;
#     redeems after claim: u_full 50, u_nullamt null -> 0, u_dup 20 (once) = 3, cost 70.
#     claim_rate 10/3 (> 1), trial_rate 7/10, pass_rate 6/7, order_rate 4/6, redeem_rate 3/4.
# S2: scan 1, claim 2 -> claim_rate 2.0; no trial -> trial_rate 0/2 = 0.0, the rest null (0 denominators);
#     u_other_shop's order at S2 does not count (not an S2 claimer). City from dim_store_calibrated.
# S3: scan 1, claim 1, nothing after: claim_rate 1.0, trial_rate 0.0, the rest null.
# S4: an anonymous scan only: a row of zeros, all five rates null.
# S999: unknown shop: scan 1, no merchant, store or city; claim_rate 0.0.
EXPECTED_W = {
    "S1": dict(merchant_id="M_APPLE", merchant_name="Apple", store_name="Apple 三里屯店", city="北京",
               scan_users=3, claim_users=10, trial_users=7, pass_users=6, order_users=4, redeem_users=3,
               gmv=11000.0, redpacket_cost=70.0,
               claim_rate=10 / 3, trial_rate=0.7, pass_rate=6 / 7, order_rate=4 / 6, redeem_rate=0.75),
    "S2": dict(merchant_id="M_APPLE", merchant_name="Apple", store_name="Apple 国贸店", city="北京",
               scan_users=1, claim_users=2, trial_users=0, pass_users=0, order_users=0, redeem_users=0,
               gmv=0.0, redpacket_cost=0.0,
               claim_rate=2.0, trial_rate=0.0, pass_rate=None, order_rate=None, redeem_rate=None),
    "S3": dict(merchant_id="M_LENOVO", merchant_name="联想", store_name="联想 中关村店", city="北京",
               scan_users=1, claim_users=1, trial_users=0, pass_users=0, order_users=0, redeem_users=0,
               gmv=0.0, redpacket_cost=0.0,
               claim_rate=1.0, trial_rate=0.0, pass_rate=None, order_rate=None, redeem_rate=None),
    "S4": dict(merchant_id="M_DJI", merchant_name="大疆", store_name="大疆 深圳湾店", city="深圳",
               scan_users=0, claim_users=0, trial_users=0, pass_users=0, order_users=0, redeem_users=0,
               gmv=0.0, redpacket_cost=0.0,
               claim_rate=None, trial_rate=None, pass_rate=None, order_rate=None, redeem_rate=None),
    "S999": dict(merchant_id=None, merchant_name=None, store_name=None, city=None,
                 scan_users=1, claim_users=0, trial_users=0, pass_users=0, order_users=0, redeem_users=0,
                 gmv=0.0, redpacket_cost=0.0,
                 claim_rate=0.0, trial_rate=None, pass_rate=None, order_rate=None, redeem_rate=None),
}
# W-1: u_prevweek's claim at S1 (nothing after it within W-1): claim 1, scan 0.
EXPECTED_PREV = {"S1": dict(scan_users=0, claim_users=1, trial_users=0, order_users=0, claim_rate=None,
                            trial_rate=0.0)}


def load(wh) -> None:
    """Write the hand-made source rows into a warehouse that has the source and output tables."""
    from tests.helpers import insert

    insert(wh, "dim_store", STORES)
    insert(wh, "dim_store_calibrated", CALIBRATED)
    insert(wh, "fact_redpacket_event", EVENTS)
    insert(wh, "fact_trial", TRIALS)
    insert(wh, "fact_order", ORDERS)
