"""Crowd segments (SPEC: campaign crowd builds) on a small hand-made warehouse.

As-of date A = 2026-06-10: data up to 2026-06-09 23:59:59 counts. Two campaigns read the same users:

- ``c_phone``: target categories 手机/电脑/平板, lookback 90 days -> window [2026-03-12 00:00, A 00:00)
  (the example campaign's rules);
- ``c_fresh``: target category 生鲜, lookback 30 days -> window [2026-05-11 00:00, A 00:00).

Each user below is one case; the segment each campaign must give it is worked out by hand in the
comment next to it (a user is in the FIRST segment that applies: no order before A -> no_first_order;
no order in the window -> inactive_90d; no target-category order in the window -> inactive_target_90d;
else active_target_90d). Runs on DuckDB and on the real PostgreSQL server (the ``wh`` fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from outfield import campaigns, crowds
from tests.helpers import insert, ts

A = dt.date(2026, 6, 10)
A2 = dt.date(2026, 6, 11)

REWARDS = {"no_first_order": 20, "inactive_90d": 15, "inactive_target_90d": 10, "active_target_90d": 5}


def campaign(cid, categories, lookback, **extra):
    data = dict(campaign_id=cid, name=f"test {cid}", start_date="2026-06-01", end_date="2026-06-30",
                target_categories=list(categories), lookback_days=lookback, rewards=dict(REWARDS), **extra)
    return campaigns.parse_campaign(data, Path(f"{cid}.yaml"))


PHONE = campaign("c_phone", ["手机", "电脑", "平板"], 90)
FRESH = campaign("c_fresh", ["生鲜"], 30)


def user(pin, activated):
    return dict(user_pin=pin, phone=None, bt_activated_at=None if activated is None else ts(activated))


def order(oid, pin, at, category):
    return dict(order_id=oid, txn_id=None, user_pin=pin, shop_id="S1", paid_at=ts(at), amount=100.0,
                category=category, gross_margin=5.0)


USERS = [
    user("u_act_at_a", "2026-06-10 00:00:00"),   # activated exactly at A 00:00: not < A -> in no crowd
    user("u_act_before", "2026-06-09 23:59:59"),  # activated the last second before A, no order -> no_first_order
    user("u_never", None),                        # never activated (has orders) -> in no crowd
    user("u_order_on_a", "2026-01-01 10:00"),     # only orders ON A (ignored) -> no_first_order
    user("u_win_start", "2026-01-01 10:00"),      # 手机 exactly at 2026-03-12 00:00 = c_phone's window start
    user("u_win_before", "2026-01-01 10:00"),     # 手机 one second before c_phone's window start
    user("u_target_outside", "2025-06-01 10:00"),  # 手机 before the window, 生鲜 inside both windows
    user("u_mixed", "2025-01-01 10:00"),          # several orders mixing categories
    user("u_nontarget", "2025-01-01 10:00"),      # only 日用, the last second before A
    user("u_dup", "2025-01-01 10:00"),            # dim_user row twice, order row twice: once each
    user("u_dup", "2025-01-01 10:00"),
    user("u_nullcat", "2025-01-01 10:00"),        # an order without category: not a target order
    user("u_dup_rows", None),                     # two dim_user rows, one activated: activated (earliest)
    user("u_dup_rows", "2026-02-01 10:00"),
    user(None, "2025-01-01 10:00"),               # a row without user_pin: nobody
]

ORDERS = [
    order("O01", "u_act_at_a", "2026-06-01 10:00", "手机"),
    order("O02", "u_never", "2026-06-01 10:00", "手机"),
    order("O03", "u_order_on_a", "2026-06-10 00:00:00", "手机"),   # at A 00:00: on A, ignored
    order("O04", "u_order_on_a", "2026-06-10 15:00", "生鲜"),
    order("O05", "u_win_start", "2026-03-12 00:00:00", "手机"),
    order("O06", "u_win_before", "2026-03-11 23:59:59", "手机"),
    order("O07", "u_target_outside", "2026-02-01 10:00", "手机"),
    order("O08", "u_target_outside", "2026-05-20 10:00", "生鲜"),
    order("O09", "u_mixed", "2025-12-01 10:00", "手机"),   # outside both windows
    order("O10", "u_mixed", "2026-04-01 10:00", "生鲜"),   # in c_phone's window only
    order("O11", "u_mixed", "2026-05-30 10:00", "电脑"),   # in both windows
    order("O12", "u_nontarget", "2026-06-09 23:59:59", "日用"),
    order("O13", "u_dup", "2026-06-01 10:00", "平板"),
    order("O13", "u_dup", "2026-06-01 10:00", "平板"),     # the same order twice
    order("O14", "u_nullcat", "2026-06-05 10:00", None),
    order("O15", "u_ghost", "2026-06-01 10:00", "手机"),   # a user dim_user does not know: nobody
    order("O16", None, "2026-06-01 10:00", "手机"),        # an order without user: nobody
]

# c_phone as of A (手机/电脑/平板, window from 2026-03-12 00:00):
PHONE_A = {
    "u_act_before": "no_first_order",
    "u_order_on_a": "no_first_order",       # its orders are on A, not before A
    "u_dup_rows": "no_first_order",
    "u_win_before": "inactive_90d",         # its only order is 1 s before the window
    "u_target_outside": "inactive_target_90d",  # 手机 outside the window, only 生鲜 inside
    "u_nontarget": "inactive_target_90d",
    "u_nullcat": "inactive_target_90d",
    "u_win_start": "active_target_90d",     # the window's first instant counts
    "u_mixed": "active_target_90d",         # 电脑 on 05-30
    "u_dup": "active_target_90d",
}
# c_fresh as of A (生鲜, window from 2026-05-11 00:00): the same users, other segments
FRESH_A = {
    "u_act_before": "no_first_order",
    "u_order_on_a": "no_first_order",
    "u_dup_rows": "no_first_order",
    "u_win_start": "inactive_90d",          # 03-12 is before c_fresh's window
    "u_win_before": "inactive_90d",
    "u_mixed": "inactive_target_90d",       # 电脑 05-30 in the window, its 生鲜 (04-01) is not
    "u_nontarget": "inactive_target_90d",
    "u_dup": "inactive_target_90d",         # 平板 is not a target here
    "u_nullcat": "inactive_target_90d",
    "u_target_outside": "active_target_90d",  # 生鲜 on 05-20
}
# c_phone as of A2 = 2026-06-11 (window from 2026-03-13 00:00): A's day now counts
PHONE_A2 = {
    "u_act_before": "no_first_order",
    "u_dup_rows": "no_first_order",
    "u_win_start": "inactive_90d",          # 03-12 fell out of the window
    "u_win_before": "inactive_90d",
    "u_target_outside": "inactive_target_90d",
    "u_nontarget": "inactive_target_90d",
    "u_nullcat": "inactive_target_90d",
    "u_act_at_a": "active_target_90d",      # activated 06-10 00:00 < A2; 手机 on 06-01
    "u_order_on_a": "active_target_90d",    # 手机 at 06-10 00:00 is now before A2
    "u_mixed": "active_target_90d",
    "u_dup": "active_target_90d",
}


@pytest.fixture()
def loaded(wh):
    insert(wh, "dim_user", USERS)
    insert(wh, "fact_order", ORDERS)
    return wh


def members(wh, c, d=A):
    rows = wh.query_sql("SELECT user_pin, segment, reward_amount FROM crowd_membership "
                        "WHERE campaign_id = :c AND as_of_date = :d", {"c": c.campaign_id, "d": d})
    return rows


def segments_of(wh, c, d=A):
    rows = members(wh, c, d)
    pins = [r["user_pin"] for r in rows]
    assert len(pins) == len(set(pins)), "a user is in more than one segment / row"
    return {r["user_pin"]: r["segment"] for r in rows}


def summary_rows(wh, c, d):
    rows = wh.query_sql("SELECT segment, users, prev_users, change_pct FROM crowd_summary "
                        "WHERE campaign_id = :c AND as_of_date = :d", {"c": c.campaign_id, "d": d})
    return {r["segment"]: (r["users"], r["prev_users"], r["change_pct"]) for r in rows}


def test_segments_follow_the_rules(loaded):
    crowds.build(loaded, PHONE, A)
    assert segments_of(loaded, PHONE) == PHONE_A


def test_rewards_are_the_campaigns(loaded):
    crowds.build(loaded, PHONE, A)
    for r in members(loaded, PHONE):
        assert float(r["reward_amount"]) == REWARDS[r["segment"]]


def test_two_campaigns_side_by_side(loaded):
    crowds.build(loaded, PHONE, A)
    crowds.build(loaded, FRESH, A)
    assert segments_of(loaded, PHONE) == PHONE_A
    assert segments_of(loaded, FRESH) == FRESH_A
    # re-building one campaign leaves the other's build alone
    crowds.build(loaded, PHONE, A)
    assert segments_of(loaded, FRESH) == FRESH_A
    n = loaded.query_sql("SELECT COUNT(*) AS n FROM crowd_membership", {})[0]["n"]
    assert n == len(PHONE_A) + len(FRESH_A)


def test_rerun_replaces_the_build(loaded):
    first = crowds.build(loaded, PHONE, A)
    rows1 = sorted(members(loaded, PHONE), key=lambda r: r["user_pin"])
    again = crowds.build(loaded, PHONE, A)
    rows2 = sorted(members(loaded, PHONE), key=lambda r: r["user_pin"])
    assert rows2 == rows1 and len(rows2) == len(PHONE_A)  # same rows, no duplicates
    assert again == first  # prev_users still null: a re-run is not its own previous build
    assert len(summary_rows(loaded, PHONE, A)) == 4


def test_summary_prev_users_and_change(loaded):
    s1 = crowds.build(loaded, PHONE, A)
    # first build: counts 3/1/3/3, no previous build -> prev_users and change_pct null
    assert summary_rows(loaded, PHONE, A) == {
        "no_first_order": (3, None, None), "inactive_90d": (1, None, None),
        "inactive_target_90d": (3, None, None), "active_target_90d": (3, None, None)}
    assert s1["total_users"] == 10 and s1["prev_as_of_date"] is None

    s2 = crowds.build(loaded, PHONE, A2)
    assert segments_of(loaded, PHONE, A2) == PHONE_A2
    got = summary_rows(loaded, PHONE, A2)
    # A2 counts 2/2/3/4 against A's 3/1/3/3: (2-3)/3, (2-1)/1, 0, (4-3)/3
    assert {k: v[:2] for k, v in got.items()} == {
        "no_first_order": (2, 3), "inactive_90d": (2, 1), "inactive_target_90d": (3, 3), "active_target_90d": (4, 3)}
    assert got["no_first_order"][2] == pytest.approx(-1 / 3)
    assert got["inactive_90d"][2] == pytest.approx(1.0)
    assert got["inactive_target_90d"][2] == 0
    assert got["active_target_90d"][2] == pytest.approx(1 / 3)
    assert s2["prev_as_of_date"] == "2026-06-10" and s2["total_users"] == 11
    # threshold 20 %: all but the unchanged segment moved more than that
    assert [s["segment"] for s in crowds.anomalies(s2)] == ["no_first_order", "inactive_90d", "active_target_90d"]


def test_builds_in_any_order_give_the_same_summary(loaded):
    crowds.build(loaded, PHONE, A2)
    assert {v[1] for v in summary_rows(loaded, PHONE, A2).values()} == {None}  # no earlier build yet
    crowds.build(loaded, PHONE, A)  # an earlier date built afterwards: A2's previous build is now A
    assert {k: v[1] for k, v in summary_rows(loaded, PHONE, A2).items()} == {
        "no_first_order": 3, "inactive_90d": 1, "inactive_target_90d": 3, "active_target_90d": 3}
    assert {v[1] for v in summary_rows(loaded, PHONE, A).values()} == {None}


def test_segments_with_no_users_have_rows(wh):
    # one activated user, no order as of A: 1/0/0/0. A 手机 order on A moves them to
    # active_target_90d as of A2: 0/0/0/1; prev 1/0/0/0 -> change -100 %, and null where prev is 0
    insert(wh, "dim_user", [user("u1", "2026-01-01 10:00")])
    insert(wh, "fact_order", [order("O1", "u1", "2026-06-10 12:00", "手机")])
    crowds.build(wh, PHONE, A)
    assert summary_rows(wh, PHONE, A) == {
        "no_first_order": (1, None, None), "inactive_90d": (0, None, None),
        "inactive_target_90d": (0, None, None), "active_target_90d": (0, None, None)}
    s2 = crowds.build(wh, PHONE, A2)
    assert summary_rows(wh, PHONE, A2) == {
        "no_first_order": (0, 1, -1.0), "inactive_90d": (0, 0, None),
        "inactive_target_90d": (0, 0, None), "active_target_90d": (1, 0, None)}
    # -100 % and 0 -> 1 are anomalies; 0 -> 0 is not
    assert [s["segment"] for s in crowds.anomalies(s2)] == ["no_first_order", "active_target_90d"]


def test_empty_warehouse_builds_four_zero_rows(wh):
    summary = crowds.build(wh, PHONE, A)
    assert [(s["segment"], s["users"]) for s in summary["segments"]] == [(s, 0) for s in campaigns.SEGMENTS]
    assert summary["last_day_orders"] == 0
    assert "fact_order has no rows for 2026-06-09" in crowds.digest_text(summary)


def test_export_csv(loaded, data_dir):
    crowds.build(loaded, PHONE, A)
    path, n = crowds.export_csv(loaded, PHONE.campaign_id, A)
    assert path == data_dir / "exports" / "crowds" / "c_phone" / "2026-06-10.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert n == len(rows) == len(PHONE_A)
    assert list(rows[0]) == ["user_pin", "segment", "reward_amount"]
    assert {r["user_pin"]: r["segment"] for r in rows} == PHONE_A
    assert {r["segment"]: r["reward_amount"] for r in rows}["no_first_order"] == "20.00"
    order_seen = [campaigns.SEGMENTS.index(r["segment"]) for r in rows]
    assert order_seen == sorted(order_seen)  # grouped by segment, in the spec's order


def test_digest_has_sizes_not_users(loaded):
    crowds.build(loaded, PHONE, A)
    summary = crowds.build(loaded, PHONE, A2)
    text = crowds.digest_text(summary, "exports/crowds/c_phone/2026-06-11.csv", "http://airflow/run")
    assert "11 users" in text and "2026-06-10" in text
    assert "no_first_order 白条未首单: 2 users (-33.3% vs 3), reward 20.00" in text
    assert "inactive_target_90d 90天内目标场景未活跃: 3 users (+0.0% vs 3)" in text
    assert "Export: exports/crowds/c_phone/2026-06-11.csv" in text
    for pin in PHONE_A2:
        assert pin not in text
    anomaly = crowds.anomaly_text(summary, crowds.anomalies(summary)[0], "http://airflow/run")
    # what, where, the number, the expected band (3 ± 20 % -> 3..3), the run
    assert "c_phone" in anomaly and "no_first_order" in anomaly and "2 users" in anomaly
    assert "expected 3..3" in anomaly and "http://airflow/run" in anomaly
    assert crowds.dedupe_key(summary, crowds.anomalies(summary)[0]) == "crowd_change:c_phone:no_first_order:2026-06-11"


def test_lookback_labels_follow_the_campaign():
    assert FRESH.segment_label("inactive_90d") == "30天内未活跃"
    assert PHONE.segment_label("inactive_90d") == "90天内未活跃"


def test_a_repeated_order_id_counts_once_as_its_earliest_copy(wh):
    """Conflicting copies of one order_id (SPEC: a repeated primary key counts once): the earliest copy
    by paid_at is the order, whoever the later copies name. Hand-worked for c_phone as of A:

    - O_a: u_first 手机 on 05-01 (earliest) and u_later 手机 on 05-02 -> u_first active_target_90d;
      u_later has no other order -> no_first_order (its copy is not an order of its own);
    - O_b: a copy without user on 04-01 (earliest) and u_nouser 手机 on 04-02 -> the order has no user,
      u_nouser no_first_order;
    - O_c: u_shift 手机 on 2025-12-01 (earliest, before the window) and a copy on 06-01 (in the window)
      -> u_shift inactive_90d, not active;
    - O_d: u_after 手机 on 06-01 and a copy ON A (not read: orders on A or later never count) ->
      u_after active_target_90d.
    """
    insert(wh, "dim_user", [user(p, "2025-01-01 10:00") for p in ("u_first", "u_later", "u_nouser", "u_shift", "u_after")])
    insert(wh, "fact_order", [
        order("O_a", "u_later", "2026-05-02 10:00", "手机"),
        order("O_a", "u_first", "2026-05-01 10:00", "手机"),
        order("O_b", "u_nouser", "2026-04-02 10:00", "手机"),
        order("O_b", None, "2026-04-01 10:00", "手机"),
        order("O_c", "u_shift", "2026-06-01 10:00", "手机"),
        order("O_c", "u_shift", "2025-12-01 10:00", "手机"),
        order("O_d", "u_after", "2026-06-01 10:00", "手机"),
        order("O_d", "u_after", "2026-06-10 08:00", "手机"),
    ])
    crowds.build(wh, PHONE, A)
    assert segments_of(wh, PHONE) == {
        "u_first": "active_target_90d", "u_later": "no_first_order", "u_nouser": "no_first_order",
        "u_shift": "inactive_90d", "u_after": "active_target_90d",
    }
