"""The pipelines' SQL and the benchmark's pandas baseline compute the same rows, dirty data included.

The benchmark (``python -m benchmarks.run``) asserts this at scale; here it is asserted on a small
generated warehouse made harder than the generator's own defects: primary keys repeated with
*conflicting* copies (another day, another user, another shop, the same instant), ties on the first
trial, rows without keys. The two implementations share no code, so agreement on these cases is
evidence that the faster SQL (pruned windows, restricted history) kept the rules of the spec.
DuckDB only (the baseline reads through DuckDB).
"""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks import baseline, pipelines
from benchmarks.run import compare
from outfield.demo import generate
from outfield.warehouse import Warehouse

END = dt.date(2026, 6, 10)
D = END
DIRT = [
    # a passing trial of D repeated on D-1 (earlier copy wins: the trial belongs to D-1)
    """INSERT INTO fact_trial SELECT trial_id, user_pin, shop_id, trial_at - INTERVAL 1 DAY, amount, result,
              reject_reason FROM fact_trial WHERE trial_id IN (SELECT trial_id FROM fact_trial
              WHERE result = 'pass' AND trial_at >= DATE '2026-06-10' ORDER BY trial_id LIMIT 5)""",
    # ... repeated the same day, earlier, by another user at another shop
    """INSERT INTO fact_trial SELECT t.trial_id, 'U99999999', 'S000002', t.trial_at - INTERVAL 1 MINUTE, t.amount,
              t.result, t.reject_reason FROM fact_trial t WHERE t.trial_id IN (SELECT trial_id FROM fact_trial
              WHERE result = 'pass' AND trial_at >= DATE '2026-06-10' ORDER BY trial_id DESC LIMIT 5)""",
    # ... repeated at the same instant, rejected (the tie is broken by user_pin, shop_id, result)
    """INSERT INTO fact_trial SELECT trial_id, user_pin, shop_id, trial_at, amount, 'reject', '风控拦截'
              FROM fact_trial WHERE trial_id IN (SELECT trial_id FROM fact_trial WHERE result = 'pass'
              AND trial_at >= DATE '2026-06-09' ORDER BY user_pin LIMIT 7)""",
    # a passing trial of a user who churned on D, repeated on D-3 by that same user at another merchant
    """INSERT INTO fact_trial SELECT 'TRX' || trial_id, user_pin, 'S000300', trial_at - INTERVAL 3 DAY, amount,
              result, NULL FROM fact_trial WHERE result = 'pass' AND trial_at >= DATE '2026-06-10'
              ORDER BY trial_id LIMIT 40""",
    # ties on the first passing trial: same user, same instant, another store of the same merchant
    """INSERT INTO fact_trial SELECT 'TR0' || substr(trial_id, 3), user_pin, 'S000003', trial_at, amount + 1,
              result, NULL FROM fact_trial WHERE result = 'pass' AND shop_id IN ('S000001', 'S000004')
              AND trial_at >= DATE '2026-06-03' ORDER BY trial_id LIMIT 30""",
    # rows without a trial_id, an order_id, an event_id
    """INSERT INTO fact_trial SELECT NULL, user_pin, shop_id, trial_at, amount, result, reject_reason
              FROM fact_trial WHERE trial_at >= DATE '2026-06-08' ORDER BY trial_id LIMIT 5""",
    """INSERT INTO fact_order SELECT NULL, txn_id, user_pin, shop_id, paid_at, amount, category, gross_margin
              FROM fact_order WHERE paid_at >= DATE '2026-06-08' ORDER BY order_id LIMIT 5""",
    # conflicting order copies: another user earlier (wins), another category later (loses)
    """INSERT INTO fact_order SELECT order_id, txn_id, 'U99999998', shop_id, paid_at - INTERVAL 100 DAY, amount, '生鲜',
              gross_margin - 1 FROM fact_order WHERE paid_at >= DATE '2026-06-01' ORDER BY order_id LIMIT 20""",
    """INSERT INTO fact_order SELECT order_id, txn_id, user_pin, shop_id, paid_at + INTERVAL 1 MINUTE, amount, '手机',
              gross_margin FROM fact_order WHERE paid_at >= DATE '2026-06-05' ORDER BY order_id DESC LIMIT 20""",
    # conflicting red-packet events: a claim repeated earlier by another user; a redeem repeated later
    """INSERT INTO fact_redpacket_event SELECT event_id, code_id, shop_id, 'U99999997', event_type,
              event_at - INTERVAL 5 MINUTE, amount, order_id FROM fact_redpacket_event WHERE event_type = 'claim'
              AND event_at >= DATE '2026-06-01' AND event_at < DATE '2026-06-08' ORDER BY event_id LIMIT 15""",
    """INSERT INTO fact_redpacket_event SELECT event_id, code_id, shop_id, user_pin, event_type,
              event_at + INTERVAL 1 HOUR, amount + 5, order_id FROM fact_redpacket_event WHERE event_type = 'redeem'
              AND event_at >= DATE '2026-06-01' AND event_at < DATE '2026-06-08' ORDER BY event_id LIMIT 15""",
    # dirty values of D: orders with a negative amount, transactions at a shop dim_store does not know
    """INSERT INTO fact_order SELECT 'ODNEG' || substr(order_id, 3), txn_id, user_pin, shop_id, paid_at, -amount,
              category, gross_margin FROM fact_order WHERE paid_at >= DATE '2026-06-10' ORDER BY order_id LIMIT 3""",
    """INSERT INTO fact_txn SELECT 'TXUNK' || substr(txn_id, 3), trial_id, user_pin, 'S999999', created_at, amount,
              status FROM fact_txn WHERE created_at >= DATE '2026-06-10' ORDER BY txn_id LIMIT 4""",
    # a user repeated in dim_user with another phone (the first non-blank phone wins) and activation
    """INSERT INTO dim_user SELECT user_pin, '  ', bt_activated_at - INTERVAL 400 DAY FROM dim_user
              ORDER BY user_pin LIMIT 50""",
]


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "dirty.duckdb"
    with Warehouse.duckdb(path) as wh:
        generate(wh, users=3000, days=28, end=END, seed=11)
        conn = wh.connection()
        for sql in DIRT:
            conn.execute(sql)
        yield wh


def _check(wh, step, params):
    pipelines.run(step, wh, params)
    got = pipelines.collect(step, wh, params)
    expected, _ = baseline.STEPS[step](wh.connection(), params)
    assert compare(step, got, expected) == []
    return got


def test_calibration_churn_funnel_and_crowd_match_pandas(dirty, data_dir):
    wh = dirty
    assert _check(wh, "calibration", {"business_date": D.isoformat(), "volume_weeks": 4})
    for day in (D, D - dt.timedelta(days=1), D - dt.timedelta(days=3)):
        for cooldown in (7, 0):
            got = _check(wh, "churn", {"business_date": day.isoformat(), "cooldown_days": cooldown})
            assert len(got["churn_callback_list"]) > 5
    for week in (dt.date(2026, 6, 1), dt.date(2026, 5, 25)):
        got = _check(wh, "funnel", {"week_start": week.isoformat()})
        assert len(got["redpacket_funnel_weekly"]) > 10
    c = pipelines.campaign()
    for as_of in (D + dt.timedelta(days=1), D - dt.timedelta(days=2)):
        got = _check(wh, "crowd", {"as_of_date": as_of.isoformat(), "lookback_days": c.lookback_days,
                                   "target_categories": list(c.target_categories)})
        assert got["segment_sizes"]["no_first_order"] > 0 and got["segment_sizes"]["active_target_90d"] > 0
