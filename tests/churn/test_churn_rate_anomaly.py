"""churn_rate findings: D's rate per merchant against the band of its recent same weekdays.

D = 2026-06-10 (Wednesday); history = the 4 previous Wednesdays (the band looks back 8), 100 passing
users a day. Band = pooled past rate p ± max(5 points, 4σ), σ² = p(1−p)(1/n + 1/Σn) + (1.4826·MAD)²,
n = D's passing users, Σn = the past days'. Worked out by hand:
- Apple: 10 of 100 churned on each past Wednesday -> p = 40/400 = 0.10, MAD 0;
  σ² = 0.09 · (1/100 + 1/400) = 0.001125, σ = 0.03354, 4σ = 0.1342 -> band [0, 0.234] (clipped at 0);
  D has 50 of 100 = 0.50 -> outside -> warn.
- 联想: same history; D has 17 of 100 = 0.17 -> inside (it would be outside the bare 5-point band).
- 大疆: no history at all -> "history too short" -> pass, never an alarm.
"""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import checks, churn
from tests.helpers import insert

D = dt.date(2026, 6, 10)
STORES = [
    dict(shop_id=f"S_{m}", store_name=f"{m} 店", merchant_id=m, merchant_name=name, channel="offline",
         address=None, city="北京")
    for m, name in (("M_APPLE", "Apple"), ("M_LENOVO", "联想"), ("M_DJI", "大疆"))
]


def day_rows(merchant: str, day: dt.date, users: int, churned: int):
    trials, orders = [], []
    for i in range(users):
        user = f"u_{merchant}_{day:%m%d}_{i}"
        at = dt.datetime.combine(day, dt.time(10, 0))
        trials.append(dict(trial_id=f"T_{user}", user_pin=user, shop_id=f"S_{merchant}", trial_at=at,
                           amount=1000.0, result="pass", reject_reason=None))
        if i >= churned:
            orders.append(dict(order_id=f"O_{user}", txn_id=None, user_pin=user, shop_id=f"S_{merchant}",
                               paid_at=at + dt.timedelta(minutes=30), amount=1000.0, category="手机",
                               gross_margin=10.0))
    return trials, orders


@pytest.fixture()
def history(wh):
    insert(wh, "dim_store", STORES)
    trials, orders = [], []
    for weeks_back in range(1, 5):
        day = D - dt.timedelta(days=7 * weeks_back)
        for m in ("M_APPLE", "M_LENOVO"):
            t, o = day_rows(m, day, 100, 10)
            trials += t
            orders += o
        # other weekdays must not count: a terrible Tuesday for Apple
        t, o = day_rows("M_APPLE", day - dt.timedelta(days=1), 100, 90)
        trials += t
        orders += o
    for m, churned in (("M_APPLE", 50), ("M_LENOVO", 17), ("M_DJI", 30)):
        t, o = day_rows(m, D, 100, churned)
        trials += t
        orders += o
    insert(wh, "fact_trial", trials)
    insert(wh, "fact_order", orders)
    return wh


def test_rate_outside_weekday_band_is_a_finding(history):
    churn.build(history, D, cooldown_days=7)
    results = {r.subject: r for r in churn.churn_rate_findings(history, D)}
    assert set(results) == {"M_APPLE", "M_LENOVO", "M_DJI"}
    apple = results["M_APPLE"]
    assert apple.status == "warn" and apple.value == pytest.approx(0.5)
    assert "outside the band [0.0%, 23.4%] (expected 10.0%, n=4)" in apple.detail
    assert results["M_LENOVO"].status == "pass" and results["M_LENOVO"].value == pytest.approx(0.17)
    assert results["M_DJI"].status == "pass" and "too short" in results["M_DJI"].detail

    stored = history.query_sql("SELECT subject, status, value FROM dq_check_results "
                               "WHERE check_name = 'churn_rate' AND business_date = :d ORDER BY subject", {"d": D})
    assert [(r["subject"], r["status"]) for r in stored] == [
        ("M_APPLE", "warn"), ("M_DJI", "pass"), ("M_LENOVO", "pass")]
    # re-running replaces the rows
    churn.churn_rate_findings(history, D)
    again = history.query_sql("SELECT COUNT(*) AS n FROM dq_check_results WHERE check_name = 'churn_rate'")
    assert again[0]["n"] == 3


def test_proportion_band_by_hand():
    # past (churned, passing): rates 0.10, 0.12, 0.14, 0.20 over 100, 100, 100, 200 users
    past = [(10, 100), (12, 100), (14, 100), (40, 200)]
    # pooled p = 76/500 = 0.152; median of rates 0.13, |dev| 0.03 0.01 0.01 0.07 -> MAD 0.02
    # σ² = 0.152·0.848·(1/150 + 1/500) + (1.4826·0.02)² = 0.128896·0.0086667 + 0.00087924 = 0.00199634
    band = checks.proportion_band(past, 150, abs_floor=0.05, k=4.0, min_history=3)
    assert band.expected == pytest.approx(0.152)
    assert band.high - band.expected == pytest.approx(4 * 0.00199634 ** 0.5, rel=1e-4)  # 0.17872
    assert band.contains(0.33) and not band.contains(0.331)
    # the 5-point floor holds for a big, steady merchant: σ tiny -> half-width 0.05
    steady = checks.proportion_band([(1000, 10000)] * 4, 10000, abs_floor=0.05, k=4.0, min_history=3)
    assert (steady.low, steady.high) == (pytest.approx(0.05), pytest.approx(0.15))
    # a short history, or days without passing users, never predict
    assert not checks.proportion_band([(1, 10), (0, 0), (2, 10)], 10, min_history=3).known
    assert not checks.proportion_band(past, 0, min_history=3).known
