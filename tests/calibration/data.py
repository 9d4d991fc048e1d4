"""Hand-made source rows with known defects, shared by the calibration tests and the DAG run.

Business date D = 2026-06-10 (a Wednesday); the 7 days ending D are 2026-06-04 .. 2026-06-10.
"""

from __future__ import annotations

import datetime as dt

from tests.helpers import ts

D = dt.date(2026, 6, 10)


def store(shop_id, merchant_id, merchant_name, city, address, channel="offline", store_name=None):
    return dict(shop_id=shop_id, store_name=store_name or f"{merchant_name} {shop_id}", merchant_id=merchant_id,
                merchant_name=merchant_name, channel=channel, address=address, city=city)


def order(oid, shop, at, amount, gross_margin=10.0, user="u_o", txn=None):
    return dict(order_id=oid, txn_id=txn, user_pin=user, shop_id=shop, paid_at=ts(at), amount=amount,
                category="手机", gross_margin=gross_margin)


def trial(tid, user, shop, at, result="pass", amount=1000.0):
    return dict(trial_id=tid, user_pin=user, shop_id=shop, trial_at=ts(at), amount=amount, result=result,
                reject_reason=None if result == "pass" else "风控拦截")


def txn(xid, user, shop, at, status="success", trial_id=None, amount=1000.0):
    return dict(txn_id=xid, trial_id=trial_id, user_pin=user, shop_id=shop, created_at=ts(at), amount=amount,
                status=status)


def event(eid, shop, at, event_type="scan", user="u_e"):
    return dict(event_id=eid, code_id=f"C_{shop}", shop_id=shop, user_pin=user, event_type=event_type,
                event_at=ts(at), amount=None, order_id=None)


# --- stores: how each one's city is calibrated -------------------------------------------------
STORES = [
    store("A1", "M_APPLE", "Apple", "北京", "北京市朝阳区三里屯路19号"),              # source
    store("A2", "M_APPLE", "Apple", None, "上海市静安区南京西路1266号"),              # address -> 上海
    store("A3", "M_APPLE", "Apple", "  ", "朝阳区建国路88号"),                       # blank, district only: unresolved
    store("A3", "M_APPLE", "Apple", "  ", "朝阳区建国路88号"),                       # the same shop twice: one row
    store("A4", "M_APPLE", "Apple", None, None),                                   # nothing: unresolved
    store("A5", "M_APPLE", "Apple", "深圳市", "广东省深圳市南山区"),                   # source, written 深圳
    store("L1", "M_LENOVO", "联想", None, "广东省深圳市南山区科技园"),                 # address -> 深圳
    store("L2", "M_LENOVO", "联想", "未知", "吉林省吉林市船营区解放中路"),              # placeholder -> address 吉林
    store("J1", "M_DJI", "大疆", "深圳", "深圳市南山区"),                             # source; no orders
]
CALIBRATED = {
    "A1": ("北京", "source"), "A2": ("上海", "address"), "A3": (None, "unresolved"), "A4": (None, "unresolved"),
    "A5": ("深圳", "source"), "L1": ("深圳", "address"), "L2": ("吉林", "address"), "J1": ("深圳", "source"),
}

# --- orders of the 7 days ending D (and just outside) -------------------------------------------
# Apple: 1000 (A1) + 500 (A2) + 300 (A3, a duplicated row counts once) + 200 (A4) = 2000 in the window,
# 500 of it at unresolved stores (A3, A4): share 0.25 > 0.05 -> warn.
# Lenovo: 800, none unresolved: share 0 -> pass. DJI: no orders: share null -> pass.
ORDERS = [
    order("O1", "A1", "2026-06-10 12:00", 1000.0, gross_margin=400.0),
    order("O2", "A2", "2026-06-04 00:00:00", 500.0, gross_margin=300.0),      # first instant of the window
    order("O3", "A3", "2026-06-08 10:00", 300.0, gross_margin=-50.0),
    order("O3", "A3", "2026-06-08 10:00", 300.0, gross_margin=-50.0),         # duplicated row
    order("O4", "A4", "2026-06-10 23:59:59", 200.0, gross_margin=50.0),
    order("O5", "A1", "2026-06-03 23:59:59", 9999.0, gross_margin=5000.0),    # before the window
    order("O6", "A4", "2026-06-11 00:00:00", 9999.0, gross_margin=5000.0),    # after D
    order("O7", "L1", "2026-06-09 15:00", 800.0, gross_margin=-10.0),
]
APPLE_GROSS_MARGIN_7D = 400.0 + 300.0 - 50.0 + 50.0  # 700
LENOVO_GROSS_MARGIN_7D = -10.0
