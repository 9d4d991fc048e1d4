"""意愿流失专项 churn callback list: the steps the DAG runs, callable on any Warehouse (tests, bench).

Every number comes from a file under ``include/sql/churn/``; this module binds the dates, replaces a
date's rows atomically, learns the churn-rate band and writes the export. No phone number is ever
read here except already masked in SQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from outfield import checks, exports, pgstats
from outfield.config import data_dir, setting
from outfield.dates import day_bounds

SOURCE_TABLES = ("fact_trial", "fact_order")
#: What the churn SQL joins (PostgreSQL plans them from fresh statistics: outfield.pgstats).
PLANNED_TABLES = ("fact_trial", "fact_order", "dim_store", "dim_user", "dim_store_calibrated")
EXPORT_COLUMNS = [
    "business_date", "user_pin", "phone_masked", "merchant_id", "merchant_name", "shop_id", "store_name",
    "city", "first_trial_at", "trial_count", "max_trial_amount",
]
INPUT_CHECK = "churn_input"
RATE_CHECK = "churn_rate"
MAX_COOLDOWN_DAYS = 60


def validate_cooldown(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
        raise ValueError(f"cooldown_days must be a whole number of days, got {value!r}")
    days = int(value)
    if not 0 <= days <= MAX_COOLDOWN_DAYS:
        raise ValueError(f"cooldown_days must be between 0 and {MAX_COOLDOWN_DAYS}, got {days}")
    return days


def source_row_counts(wh: Any, d: dt.date) -> dict[str, int]:
    """Rows of D in each source table the list needs."""
    d_start, d_end = day_bounds(d)
    rows = wh.query("churn/source_rows_for_day.sql", {"d_start": d_start, "d_end": d_end})
    return {r["table_name"]: int(r["n"]) for r in rows}


def late_tables(wh: Any, d: dt.date) -> list[str]:
    counts = source_row_counts(wh, d)
    return [t for t in SOURCE_TABLES if counts.get(t, 0) == 0]


def build(wh: Any, d: dt.date, cooldown_days: int = 7) -> dict[str, Any]:
    """Replace D's rows of churn_callback_list and churn_daily_stats in one transaction.

    Returns a summary without personal data: list rows and the per-merchant stats.
    """
    cooldown_days = validate_cooldown(cooldown_days)
    wh.ensure_tables()
    d_start, d_end = day_bounds(d)
    hist_start = d_start - dt.timedelta(days=cooldown_days)
    pgstats.refresh(wh, PLANNED_TABLES)
    params = {"business_date": d, "hist_start": hist_start, "d_start": d_start, "d_end": d_end}
    with wh.transaction():
        # D's pairs once, in a temporary table that the list and the stats both read
        wh.execute("churn/drop_day_pairs.sql")
        wh.execute("churn/day_pairs.sql", params)
        if wh.dialect == "postgres":  # autovacuum never analyzes a temporary table: plan with its real size
            wh.execute("common/analyze_table.sql", table="churn_day_pairs")
        list_rows = wh.replace_rows("churn_callback_list", {"business_date": d}, "churn/churn_callback_list.sql", params)
        wh.replace_rows("churn_daily_stats", {"business_date": d}, "churn/churn_daily_stats.sql", params)
        wh.execute("churn/drop_day_pairs.sql")
    stats = daily_stats(wh, d)
    return {
        "business_date": d.isoformat(),
        "cooldown_days": cooldown_days,
        "list_rows": list_rows,
        "pass_users": sum(s["pass_users"] for s in stats),
        "churned_users": sum(s["churned_users"] for s in stats),
        "merchants": stats,
    }


def daily_stats(wh: Any, d: dt.date) -> list[dict[str, Any]]:
    rows = wh.query("churn/daily_stats_for_day.sql", {"business_date": d})
    return [
        {
            "merchant_id": r["merchant_id"],
            "merchant_name": r["merchant_name"],
            "pass_users": int(r["pass_users"]),
            "churned_users": int(r["churned_users"]),
            "churn_rate": None if r["churn_rate"] is None else float(r["churn_rate"]),
        }
        for r in rows
    ]


def input_defects(wh: Any, d: dt.date) -> list[checks.CheckResult]:
    """Dirty trial rows of D (counted once or left out of the list): recorded as ``churn_input`` rows."""
    d_start, d_end = day_bounds(d)
    rows = wh.query("churn/input_defects.sql", {"d_start": d_start, "d_end": d_end})
    results = [
        checks.CheckResult(
            check_name=INPUT_CHECK, business_date=d, subject="fact_trial", metric=r["metric"],
            value=float(r["value"]), threshold="0", status="warn" if int(r["value"]) > 0 else "pass",
            detail=("rows of D counted once or left out of the churn list" if int(r["value"]) > 0 else ""),
        )
        for r in rows
    ]
    checks.write_results(wh, [INPUT_CHECK], d, results)
    return results


def churn_rate_findings(wh: Any, d: dt.date) -> list[checks.CheckResult]:
    """Compare each merchant's churn rate on D with the band of its recent same weekdays.

    Writes one ``churn_rate`` row per merchant to dq_check_results (pass, or warn when outside the
    band) and returns them all.
    """
    weeks = int(setting("churn", "anomaly_weeks", default=8))
    min_history = int(setting("churn", "anomaly_min_history", default=3))
    floor = float(setting("churn", "anomaly_min_abs_deviation", default=0.05))
    k = float(setting("churn", "anomaly_k", default=4.0))
    d_start, _ = day_bounds(d)
    pgstats.refresh(wh, PLANNED_TABLES)
    history = wh.query(
        "churn/churn_rate_history.sql",
        {"business_date": d, "hist_start": d_start - dt.timedelta(days=7 * weeks), "d_end": d_start},
        same_weekday=True,
    )
    by_merchant = checks.rows_by(history, "merchant_id")
    results = []
    for s in daily_stats(wh, d):
        # pooled rate of the same weekdays; the band holds the sampling noise of D's rate (n = pass_users)
        # and of that estimate, plus the past days' own spread (checks.proportion_band)
        past = [(r["churned_users"], r["pass_users"]) for r in by_merchant.get(s["merchant_id"], [])]
        band = checks.clip_band(checks.proportion_band(past, s["pass_users"], abs_floor=floor, k=k,
                                                       min_history=min_history), 0.0, 1.0)
        rate = s["churn_rate"]
        outside = band.known and rate is not None and not band.contains(rate)
        detail = (
            f"{s['merchant_name']}: churn rate {rate:.1%} ({s['churned_users']}/{s['pass_users']}) "
            + (f"outside the band {band.describe('{:.1%}')} of the last {weeks} same weekdays"
               if band.known else f"- {band.note}: pass")
        )
        results.append(checks.CheckResult(
            check_name=RATE_CHECK, business_date=d, subject=s["merchant_id"], metric="churn_rate",
            value=rate, threshold=band.describe("{:.4f}"), status="warn" if outside else "pass", detail=detail,
        ))
    checks.write_results(wh, [RATE_CHECK], d, results)
    return results


def export_path(d: dt.date) -> Path:
    return data_dir() / "exports" / "churn_callback_list" / f"{d.isoformat()}.csv"


def export_csv(wh: Any, d: dt.date) -> tuple[Path, int]:
    """Write ``exports/churn_callback_list/<D>.csv`` (UTF-8 with BOM, masked phones only)."""
    rows = wh.query("churn/export_callback_list.sql", {"business_date": d})
    path = export_path(d)
    n = exports.write_csv(path, EXPORT_COLUMNS, rows)
    return path, n


def digest_text(summary: dict[str, Any], export: str | None, defects: list[dict[str, Any]] | None = None) -> str:
    """The 'list is ready' message: rows and churn rate by merchant; never a phone or the user list."""
    lines = [
        f"意愿流失专项 churn callback list for {summary['business_date']} is ready: "
        f"{summary['list_rows']} users to call (cooldown {summary['cooldown_days']} days).",
        f"Overall: {summary['churned_users']} churned of {summary['pass_users']} passing users.",
    ]
    for m in summary["merchants"]:
        rate = "n/a" if m["churn_rate"] is None else f"{m['churn_rate']:.1%}"
        lines.append(f"• {m['merchant_name']} ({m['merchant_id']}): churn rate {rate} "
                     f"= {m['churned_users']}/{m['pass_users']}")
    for d in defects or []:
        if d.get("status") != "pass":
            lines.append(f"⚠ source defect: {d['metric']} = {int(d['value'])} (fact_trial, counted once / left out)")
    if export:
        lines.append(f"Export: {export}")
    return "\n".join(lines)
