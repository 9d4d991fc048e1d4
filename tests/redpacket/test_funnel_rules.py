"""The red-packet funnel's rules (SPEC: red-packet code funnel) on a small hand-made warehouse.

The cases and the expected rows, worked out by hand, are in tests/redpacket/data.py. Runs on DuckDB
and on the real PostgreSQL server (the ``wh`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest

from outfield import redpacket
from tests.redpacket import data


@pytest.fixture()
def loaded(wh):
    data.load(wh)
    return wh


def table(wh, week=data.W):
    rows = wh.query_sql("SELECT * FROM redpacket_funnel_weekly WHERE week_start = :w ORDER BY shop_id", {"w": week})
    return {r["shop_id"]: r for r in rows}


def assert_row(got, expected, shop):
    for col, want in expected.items():
        value = got[col]
        if want is None:
            assert value is None, f"{shop}.{col}: expected null, got {value!r}"
        elif isinstance(want, float):
            assert value is not None and float(value) == pytest.approx(want), f"{shop}.{col}: {value!r} != {want}"
        else:
            assert value == want, f"{shop}.{col}: {value!r} != {want!r}"


def test_week_rows_follow_the_rules(loaded):
    summary = redpacket.build(loaded, data.W)
    got = table(loaded)
    assert set(got) == set(data.EXPECTED_W)  # S5 (only a redeem) has no row
    for shop, expected in data.EXPECTED_W.items():
        assert_row(got[shop], expected, shop)
    assert all(r["week_start"] == data.W for r in got.values())
    assert summary["shops"] == len(data.EXPECTED_W)
    assert summary["week_end"] == "2026-06-14"


def test_claim_rate_may_exceed_one_and_rates_are_null_on_zero_denominators(loaded):
    redpacket.build(loaded, data.W)
    got = table(loaded)
    assert got["S1"]["claim_rate"] > 1 and got["S2"]["claim_rate"] == pytest.approx(2.0)
    assert [got["S4"][r] for r in redpacket.RATE_COLUMNS] == [None] * 5
    assert got["S2"]["trial_rate"] == 0.0 and got["S2"]["pass_rate"] is None


def test_previous_week_is_its_own_row_and_rerun_replaces_only_its_week(loaded):
    redpacket.build(loaded, data.W_PREV)
    redpacket.build(loaded, data.W)
    first = table(loaded)
    redpacket.build(loaded, data.W)  # re-run: same rows, no duplicates, W-1 untouched
    assert table(loaded) == first
    prev = table(loaded, data.W_PREV)
    assert set(prev) == {"S1"}
    assert_row(prev["S1"], data.EXPECTED_PREV["S1"], "S1@W-1")
    n = loaded.query_sql("SELECT COUNT(*) AS n FROM redpacket_funnel_weekly")[0]["n"]
    assert n == len(data.EXPECTED_W) + 1


def test_week_must_start_on_monday(loaded):
    with pytest.raises(ValueError, match="Monday"):
        redpacket.build(loaded, dt.date(2026, 6, 10))


def test_input_defects_are_counted(loaded):
    defects = redpacket.input_defects(loaded, data.W)
    # two event_ids repeated once each; S999 unknown to dim_store; no claim/redeem without a user
    assert defects == {"duplicate_event_rows": 2, "events_without_shop": 0, "claims_or_redeems_without_user": 0,
                       "events_at_unknown_shop": 1}


def test_merchant_trend_is_derived_from_source(loaded):
    # nothing was built: the trend is computed from source for each week, with the table's rules
    trend = redpacket.merchant_trend(loaded, data.W, weeks=2)
    by = {(t["week_start"], t["merchant_id"]): t for t in trend}
    apple = by[("2026-06-08", "M_APPLE")]
    assert (apple["shops"], apple["scan_users"], apple["claim_users"], apple["order_users"]) == (2, 4, 12, 4)
    assert apple["gmv"] == pytest.approx(11000.0) and apple["redpacket_cost"] == pytest.approx(70.0)
    assert by[("2026-06-01", "M_APPLE")]["claim_users"] == 1  # u_prevweek
    assert ("2026-06-08", None) in by  # the unknown shop S999
    assert {w for w, _ in by} == {"2026-06-01", "2026-06-08"}


def test_week_helpers():
    assert redpacket.week_of(dt.date(2026, 6, 14)) == (dt.date(2026, 6, 8), dt.date(2026, 6, 14))
    assert redpacket.week_of(dt.date(2026, 6, 8)) == (dt.date(2026, 6, 8), dt.date(2026, 6, 14))
    assert redpacket.week_bounds(dt.date(2026, 6, 8), 2) == (dt.datetime(2026, 6, 1), dt.datetime(2026, 6, 15))
    assert redpacket.iso_label(dt.date(2026, 6, 8)) == "2026-W24"
    # a week across the year boundary: ISO week 1 of 2027 starts Monday 2027-01-04
    assert redpacket.week_of(dt.date(2027, 1, 3))[0] == dt.date(2026, 12, 28)
    assert redpacket.iso_label(dt.date(2026, 12, 28)) == "2026-W53"


def test_totals_and_ranking_shapes():
    rows = [dict(shop_id=f"S{i}", store_name=f"店{i}", merchant_id="M", merchant_name="M",
                 scan_users=10, claim_users=c, trial_users=o, pass_users=o, order_users=o, redeem_users=0,
                 gmv=100.0 * o, redpacket_cost=0.0)
            for i, (c, o) in enumerate([(10, 9), (10, 1), (5, 5), (4, 4), (10, 5)])]
    t = redpacket.totals(rows)
    assert t["claim_users"] == 39 and t["order_users"] == 24 and t["conversion"] == pytest.approx(24 / 39)
    assert t["roi"] is None  # cost 0: no ratio
    rank = redpacket.ranking(rows, min_claimers=5, size=10)
    # S3 (4 claimers) is not ranked; 4 eligible < 2*10: best 2, worst 2, no overlap
    assert rank["eligible"] == 4
    assert [r["shop_id"] for r in rank["best"]] == ["S2", "S0"]  # 100 %, then 90 %
    assert [r["shop_id"] for r in rank["worst"]] == ["S1", "S4"]  # 10 %, then 50 %
    assert redpacket.ranking([], min_claimers=1)["best"] == []
