"""source_values: negative amounts and rows at shops dim_store does not know, among the rows of D of
each fact table — reported, never crashing a pipeline, never silently dropped.

Hand-made rows, D = 2026-06-10. Worked out by hand:
- fact_trial rows of D: T1 (S1, 1000), T2 (S1, -5), T3 and T4 (S_GONE), T6 (no shop) = 5 rows;
  negative 1 (T2); unknown shop 2 rows at 1 shop (S_GONE; T6's null shop is not_null's business);
  T5 (negative, at S_GONE) is D-1's and not counted.
- fact_txn: X1 (-1.5 at S2), X2 twice (a repeated key: both rows count) at S_X -> negative 1, unknown 2.
- fact_order: O1 at S1 -> clean (pass, pass).
- fact_redpacket_event: E1 scan with a null amount (not negative), E2 claim of -3 -> negative 1.
- S1 is in dim_store twice: still a known shop.
"""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import calibration, churn
from tests.calibration.data import D, event, order, store, trial, txn
from tests.helpers import insert

STORES = [store("S1", "M_APPLE", "Apple", "北京", None), store("S1", "M_APPLE", "Apple", "北京", None),
          store("S2", "M_VIVO", "vivo", "上海", None)]
TRIALS = [trial("T1", "u1", "S1", "2026-06-10 10:00"), trial("T2", "u2", "S1", "2026-06-10 11:00", amount=-5.0),
          trial("T3", "u3", "S_GONE", "2026-06-10 12:00"), trial("T4", "u3", "S_GONE", "2026-06-10 12:30"),
          trial("T5", "u4", "S_GONE", "2026-06-09 12:00", amount=-1.0),
          {**trial("T6", "u5", "S1", "2026-06-10 13:00"), "shop_id": None}]
TXNS = [txn("X1", "u1", "S2", "2026-06-10 10:05", amount=-1.5), txn("X2", "u2", "S_X", "2026-06-10 10:05"),
        txn("X2", "u2", "S_X", "2026-06-10 10:05")]
ORDERS = [order("O1", "S1", "2026-06-10 10:10", 1000.0, user="u9")]
EVENTS = [event("E1", "S1", "2026-06-10 09:00"),
          {**event("E2", "S1", "2026-06-10 09:05", event_type="claim"), "amount": -3.0}]


@pytest.fixture()
def dirty(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_trial", TRIALS)
    insert(wh, "fact_txn", TXNS)
    insert(wh, "fact_order", ORDERS)
    insert(wh, "fact_redpacket_event", EVENTS)
    return wh


def stored(wh, d=D):
    rows = wh.query_sql("SELECT * FROM dq_check_results WHERE check_name = 'source_values' AND business_date = :d",
                        {"d": d})
    return {(r["subject"], r["metric"]): r for r in rows}


def test_negative_amounts_and_unknown_shops_are_reported_per_table(dirty):
    results = calibration.check_source_values(dirty, D)
    got = stored(dirty)
    assert len(results) == len(got) == 8  # 4 fact tables x 2 metrics
    values = {k: (r["value"], r["status"]) for k, r in got.items()}
    assert values == {
        ("fact_trial", "negative_amount_rows"): (1, "warn"), ("fact_trial", "unknown_shop_rows"): (2, "warn"),
        ("fact_txn", "negative_amount_rows"): (1, "warn"), ("fact_txn", "unknown_shop_rows"): (2, "warn"),
        ("fact_order", "negative_amount_rows"): (0, "pass"), ("fact_order", "unknown_shop_rows"): (0, "pass"),
        ("fact_redpacket_event", "negative_amount_rows"): (1, "warn"),
        ("fact_redpacket_event", "unknown_shop_rows"): (0, "pass"),
    }
    trial_unknown = got[("fact_trial", "unknown_shop_rows")]["detail"]
    assert "2 of 5 rows of 2026-06-10 at 1 shop_id(s)" in trial_unknown and "S_GONE" in trial_unknown
    assert "(e.g. trial_id T2)" in got[("fact_trial", "negative_amount_rows")]["detail"]
    assert "(e.g. event_id E2)" in got[("fact_redpacket_event", "negative_amount_rows")]["detail"]


def test_findings_are_alerted_with_the_calibration_message(dirty):
    calibration.check_source_values(dirty, D)
    lines = [line for _, line in calibration.finding_lines(calibration.findings_of_day(dirty, D))]
    assert len(lines) == 5
    assert any(line.startswith(":warning: *source_values* WARN `fact_txn` unknown_shop_rows = 2; expected 0")
               for line in lines)


def test_a_clean_day_passes_and_a_rerun_replaces_the_rows(dirty):
    calibration.check_source_values(dirty, D - dt.timedelta(days=1))  # D-1: T5 only
    prev = stored(dirty, D - dt.timedelta(days=1))
    assert prev[("fact_trial", "negative_amount_rows")]["value"] == 1
    assert prev[("fact_order", "unknown_shop_rows")]["status"] == "pass"
    calibration.check_source_values(dirty, D)
    calibration.check_source_values(dirty, D)
    n = dirty.query_sql("SELECT COUNT(*) AS n FROM dq_check_results WHERE check_name = 'source_values'")[0]["n"]
    assert n == 16  # two days x 8 rows, no duplicates


def test_the_churn_list_takes_such_rows_without_crashing(dirty):
    """The pipeline keeps working: a negative amount is listed as it is, an unknown shop's trials are
    left out (and counted by churn_input)."""
    churn.build(dirty, D, cooldown_days=7)
    listed = dirty.query_sql("SELECT user_pin, shop_id, max_trial_amount FROM churn_callback_list "
                             "WHERE business_date = :d ORDER BY user_pin", {"d": D})
    assert [(r["user_pin"], r["shop_id"], float(r["max_trial_amount"])) for r in listed] == [
        ("u1", "S1", 1000.0), ("u2", "S1", -5.0)]
    counted = {r.metric: r.value for r in churn.input_defects(dirty, D)}
    assert counted["trials_at_unknown_shop"] == 3  # T3, T4 and T6 (no shop at all)


def test_a_table_that_cannot_be_read_fails_after_the_others_are_written(dirty):
    dirty.query_sql("SELECT 1 AS one")
    dirty.connection().execute("DROP TABLE fact_txn")
    with pytest.raises(calibration.ChecksIncomplete, match="fact_txn"):
        calibration.check_source_values(dirty, D)
    got = stored(dirty)
    assert got[("fact_txn", "check_error")]["status"] == "fail"
    assert got[("fact_trial", "unknown_shop_rows")]["value"] == 2
