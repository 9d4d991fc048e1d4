"""红包码看板 red-packet code funnel: the steps the weekly DAG runs, callable on any Warehouse (tests too).

Every number comes from a file under ``include/sql/redpacket/``; this module binds the week's
bounds, replaces the week's rows atomically and shapes what the dashboard and the digest show.
The week W is the ISO week (Monday to Sunday) that contains the business date D.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from outfield import pgstats
from outfield.config import setting
from outfield.dates import iso_week_start

#: What the funnel SQL joins (PostgreSQL plans them from fresh statistics: outfield.pgstats).
SOURCE_TABLES = ("fact_redpacket_event", "fact_trial", "fact_order", "dim_store", "dim_store_calibrated")

PIPELINE = "redpacket_funnel_weekly"
TABLE = "redpacket_funnel_weekly"
COUNT_COLUMNS = ("scan_users", "claim_users", "trial_users", "pass_users", "order_users", "redeem_users")
MONEY_COLUMNS = ("gmv", "redpacket_cost")
RATE_COLUMNS = ("claim_rate", "trial_rate", "pass_rate", "order_rate", "redeem_rate")
#: The funnel's stages in order: (count column, Chinese label, English label).
STAGES = (
    ("scan_users", "扫码", "scanned"),
    ("claim_users", "领取", "claimed"),
    ("trial_users", "试算", "trial"),
    ("pass_users", "试算通过", "passed"),
    ("order_users", "下单", "ordered"),
    ("redeem_users", "核销", "redeemed"),
)
#: Each rate and the (numerator, denominator) it divides.
RATES = {
    "claim_rate": ("claim_users", "scan_users"),
    "trial_rate": ("trial_users", "claim_users"),
    "pass_rate": ("pass_users", "trial_users"),
    "order_rate": ("order_users", "pass_users"),
    "redeem_rate": ("redeem_users", "order_users"),
}
DEFAULT_TREND_WEEKS = 8
DEFAULT_RANK_MIN_CLAIMERS = 5
DEFAULT_RANK_SIZE = 10


def week_of(d: dt.date) -> tuple[dt.date, dt.date]:
    """(Monday, Sunday) of the ISO week that contains ``d``."""
    start = iso_week_start(d)
    return start, start + dt.timedelta(days=6)


def week_bounds(week_start: dt.date, weeks: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """Naive local ``[Monday 00:00 of week_start - (weeks-1) weeks, Monday 00:00 after week_start)``."""
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, got {week_start} ({week_start:%A})")
    end = dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time())
    start = dt.datetime.combine(week_start - dt.timedelta(days=7 * (weeks - 1)), dt.time())
    return start, end


def iso_label(week_start: dt.date) -> str:
    """``2026-W24``."""
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------------------------------------------
# warehouse steps


def build(wh: Any, week_start: dt.date) -> dict[str, Any]:
    """Replace W's rows of ``redpacket_funnel_weekly`` (atomically); return a summary without user data."""
    wh.ensure_tables()
    pgstats.refresh(wh, SOURCE_TABLES)
    w_start, w_end = week_bounds(week_start)
    rows = wh.replace_rows(TABLE, {"week_start": week_start}, "redpacket/redpacket_funnel_weekly.sql",
                           {"week_start": week_start, "w_start": w_start, "w_end": w_end})
    return {
        "week_start": week_start.isoformat(),
        "week_end": (week_start + dt.timedelta(days=6)).isoformat(),
        "shops": rows,
        "defects": input_defects(wh, week_start),
    }


def input_defects(wh: Any, week_start: dt.date) -> dict[str, int]:
    """Counts of dirty red-packet events of W (duplicates counted once, unusable rows left out)."""
    w_start, w_end = week_bounds(week_start)
    rows = wh.query("redpacket/input_defects.sql", {"w_start": w_start, "w_end": w_end})
    return {r["metric"]: int(r["value"] or 0) for r in rows}


def week_rows(wh: Any, week_start: dt.date) -> list[dict[str, Any]]:
    """W's rows of the table, as plain JSON-friendly dicts (amounts as float, dates as ISO text)."""
    return [_plain(r) for r in wh.query("redpacket/funnel_for_week.sql", {"week_start": week_start})]


def merchant_trend(wh: Any, week_start: dt.date, weeks: int | None = None) -> list[dict[str, Any]]:
    """Per (week, merchant) funnel totals for the ``weeks`` weeks ending with W, derived from source."""
    weeks = int(weeks or setting("redpacket", "trend_weeks", default=DEFAULT_TREND_WEEKS))
    w_start, w_end = week_bounds(week_start, weeks)
    return [_plain(r) for r in wh.query("redpacket/merchant_trend.sql", {"w_start": w_start, "w_end": w_end})]


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, decimal.Decimal):
            v = float(v)
        elif isinstance(v, dt.datetime):
            v = v.isoformat(sep=" ")
        elif isinstance(v, dt.date):
            v = v.isoformat()
        elif k in COUNT_COLUMNS and v is not None:
            v = int(v)
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------------------
# shaping (pure functions: tested without a warehouse)


def rate(num: float | None, den: float | None) -> float | None:
    """num / den, None when the denominator is 0 or missing."""
    if not den or num is None:
        return None
    return float(num) / float(den)


def conversion(row: Mapping[str, Any]) -> float | None:
    """Claim-to-order conversion (order_users / claim_users): how many claimers bought at the shop."""
    return rate(row.get("order_users"), row.get("claim_users"))


def totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sums of the counts and amounts over rows, with the rates recomputed from the sums."""
    rows = list(rows)
    out: dict[str, Any] = {c: sum(int(r.get(c) or 0) for r in rows) for c in COUNT_COLUMNS}
    out.update({c: round(sum(float(r.get(c) or 0) for r in rows), 2) for c in MONEY_COLUMNS})
    out["shops"] = len(rows)
    for name, (num, den) in RATES.items():
        out[name] = rate(out[num], out[den])
    out["conversion"] = rate(out["order_users"], out["claim_users"])
    out["roi"] = rate(out["gmv"], out["redpacket_cost"])
    return out


def by_merchant(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Totals per merchant, largest claim_users first; a shop unknown to dim_store goes under '(unknown)'."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    names: dict[str, str] = {}
    for r in rows:
        key = r.get("merchant_id") or "(unknown)"
        groups.setdefault(key, []).append(r)
        names.setdefault(key, r.get("merchant_name") or key)
    out = [{"merchant_id": k, "merchant_name": names[k], **totals(v)} for k, v in groups.items()]
    return sorted(out, key=lambda m: (-m["claim_users"], -m["scan_users"], m["merchant_id"]))


def ranking(rows: Iterable[Mapping[str, Any]], *, min_claimers: int | None = None,
            size: int | None = None) -> dict[str, Any]:
    """The stores with the best and worst claim-to-order conversion among those with enough claimers.

    Ties: more claimers first, then shop_id. When fewer than ``2 * size`` stores qualify, the list is
    split in two halves so that no store is both best and worst.
    """
    min_claimers = int(min_claimers if min_claimers is not None
                       else setting("redpacket", "rank_min_claimers", default=DEFAULT_RANK_MIN_CLAIMERS))
    size = int(size or setting("redpacket", "rank_size", default=DEFAULT_RANK_SIZE))
    eligible = [dict(r, conversion=conversion(r)) for r in rows if int(r.get("claim_users") or 0) >= max(1, min_claimers)]
    ordered = sorted(eligible, key=lambda r: (-(r["conversion"] or 0.0), -int(r["claim_users"]), str(r["shop_id"])))
    n = min(size, len(ordered) // 2) if len(ordered) < 2 * size else size
    if len(ordered) == 1:
        best, worst = ordered, []
    else:
        best = ordered[:n]
        worst = list(reversed(ordered))[:n]
    return {"min_claimers": min_claimers, "eligible": len(eligible), "best": best, "worst": worst}


def headline(rows: list[Mapping[str, Any]], trend: list[Mapping[str, Any]], week_start: dt.date) -> dict[str, Any]:
    """This week's totals and the previous week's (from the trend), for KPI cards and the digest."""
    this = totals(rows)
    prev_week = (week_start - dt.timedelta(days=7)).isoformat()
    prev_rows = [t for t in trend if str(t["week_start"]) == prev_week]
    prev = totals(prev_rows) if prev_rows else None
    if prev is not None:
        prev["shops"] = sum(int(t.get("shops") or 0) for t in prev_rows)
    return {"week_start": week_start.isoformat(), "this": this, "prev": prev, "prev_week": prev_week}


def change(now: float | None, before: float | None) -> float | None:
    """Relative change now vs before (0.1 = +10 %), None without a base."""
    if now is None or not before:
        return None
    return (float(now) - float(before)) / float(before)


def _pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{x * 100:.{digits}f}%"


def _delta(now: float | None, before: float | None) -> str:
    c = change(now, before)
    return "" if c is None else f" ({'+' if c >= 0 else ''}{c * 100:.0f}% WoW)"


def _money(x: float | None) -> str:
    return "n/a" if x is None else f"¥{x:,.0f}"


def digest_text(summary: Mapping[str, Any], dashboard: Mapping[str, Any], link: str | None = None,
                dashboard_url: str | None = None) -> str:
    """The weekly Slack digest: headline numbers, per merchant, best/worst store. No user data."""
    week_start = dt.date.fromisoformat(summary["week_start"])
    h = dashboard["headline"]
    t, p = h["this"], h["prev"] or {}
    lines = [
        f"*红包码看板 Red-packet funnel {iso_label(week_start)}* ({summary['week_start']} – {summary['week_end']}) "
        f"is refreshed: {t['shops']} shops with scans or claims.",
        f"• Scanned {t['scan_users']:,}{_delta(t['scan_users'], p.get('scan_users'))} → claimed "
        f"{t['claim_users']:,}{_delta(t['claim_users'], p.get('claim_users'))}, claim rate {_pct(t['claim_rate'])}",
        f"• Among claimers: trial {t['trial_users']:,}, passed {t['pass_users']:,}, ordered {t['order_users']:,}"
        f"{_delta(t['order_users'], p.get('order_users'))}, redeemed {t['redeem_users']:,}",
        f"• Claim→order conversion {_pct(t['conversion'])}"
        + (f" (last week {_pct(p.get('conversion'))})" if p else "")
        + f"; GMV {_money(t['gmv'])}, red-packet cost {_money(t['redpacket_cost'])}"
        + (f", GMV/cost {t['roi']:.1f}×" if t.get("roi") is not None else ""),
    ]
    if not t["shops"]:
        lines.append("⚠ No scan or claim at any store this week: is fact_redpacket_event late or empty?")
    for m in dashboard.get("merchants", [])[:8]:
        lines.append(f"  – {m['merchant_name']}: {m['claim_users']:,} claimed, {m['order_users']:,} ordered "
                     f"(conversion {_pct(m['conversion'])}), GMV {_money(m['gmv'])}")
    rank = dashboard.get("ranking") or {}
    if rank.get("best"):
        b = rank["best"][0]
        lines.append(f"• Best store: {b.get('store_name') or b['shop_id']} ({b['shop_id']}) {_pct(b['conversion'])} "
                     f"of {b['claim_users']} claimers")
    if rank.get("worst"):
        w = rank["worst"][0]
        lines.append(f"• Weakest store: {w.get('store_name') or w['shop_id']} ({w['shop_id']}) "
                     f"{_pct(w['conversion'])} of {w['claim_users']} claimers")
    if not rank.get("eligible"):
        lines.append(f"• No store had {rank.get('min_claimers', DEFAULT_RANK_MIN_CLAIMERS)}+ claimers: no ranking")
    defects = {k: v for k, v in (summary.get("defects") or {}).items() if v}
    if defects:
        lines.append("⚠ source defects this week (counted once / left out): "
                     + ", ".join(f"{k} {v}" for k, v in sorted(defects.items())))
    if dashboard_url:
        lines.append(f"Dashboard: <{dashboard_url}|红包码看板 in Airflow>")
    if link:
        lines.append(f"Run: {link}")
    return "\n".join(lines)
