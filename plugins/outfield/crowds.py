"""活动人群产出 campaign crowd builds: the steps a ``campaign_crowd_<id>`` DAG runs, on any Warehouse.

- ``plan(campaign, context)``: the as-of date A of a run and whether to build (a *scheduled* run
  outside the campaign window builds nothing; a manual run or one given ``as_of_date`` builds).
- ``build(wh, campaign, A)``: replace the build's ``crowd_membership`` and ``crowd_summary`` rows in
  one transaction (SQL in ``include/sql/crowd/``) and return a summary without personal data.
- ``export_csv``: ``exports/crowds/<campaign_id>/<A>.csv`` for the campaign tool.
- ``digest_text`` / ``anomalies`` / ``anomaly_text``: the Slack messages (sizes, never users).

change_pct = (users - prev_users) / prev_users as a fraction (0.25 = +25 %), null when prev_users is
null (first build) or 0. A segment is an anomaly when |change_pct| > the campaign's
change_alert_threshold, or when it grows from 0 users (the change is unbounded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pendulum

from outfield import dates, exports, pgstats
from outfield.campaigns import SEGMENTS, Campaign
from outfield.config import TIMEZONE, data_dir

EXPORT_COLUMNS = ["user_pin", "segment", "reward_amount"]
#: Run types that follow the schedule: outside the campaign window they build nothing.
SCHEDULE_RUN_TYPES = ("scheduled", "backfill")


# ---------------------------------------------------------------------------------------------- plan


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a run does: ``action`` is ``build``, ``skip`` (scheduled, outside the window) or ``refuse``."""

    action: str
    as_of: dt.date | None
    reason: str


def _run_type(context: Mapping[str, Any]) -> str:
    value = getattr(context.get("dag_run"), "run_type", None)
    return str(getattr(value, "value", value) or "")


def plan(campaign: Campaign, context: Mapping[str, Any], today: dt.date | None = None) -> Plan:
    """Decide the as-of date A of a run and whether it builds (SPEC: campaign crowd builds)."""
    params = context.get("params") or {}
    given = hasattr(params, "get") and params.get("as_of_date") not in (None, "")
    try:
        as_of = dates.as_of_date(context)
    except dates.DateParamError as exc:
        return Plan("refuse", None, str(exc))
    today = today or pendulum.now(TIMEZONE).date()
    if as_of > today:
        return Plan("refuse", as_of, f"as_of_date {as_of} is in the future (today is {today} in {TIMEZONE}): "
                                     f"the data up to {as_of - dt.timedelta(days=1)} is not complete yet")
    run_type = _run_type(context)
    where = f"the campaign window {campaign.window()} of {campaign.campaign_id}"
    if campaign.in_window(as_of):
        return Plan("build", as_of, f"building the crowd as of {as_of}, inside {where}")
    if run_type in SCHEDULE_RUN_TYPES and not given:
        return Plan("skip", as_of,
                    f"{run_type} run for as-of date {as_of} is outside {where}: nothing built. "
                    "Trigger it manually, or give as_of_date, to build anyway.")
    why = "given as_of_date" if given else f"a {run_type or 'manual'} run"
    return Plan("build", as_of, f"building the crowd as of {as_of}, outside {where} ({why}: builds for its date)")


# ---------------------------------------------------------------------------------------------- build


def _key(campaign_id: str, as_of: dt.date) -> dict[str, Any]:
    return {"campaign_id": campaign_id, "as_of_date": as_of}


def membership_params(campaign: Campaign, as_of: dt.date) -> dict[str, Any]:
    """Bound parameters of ``crowd/crowd_membership.sql`` (window bounds are naive local datetimes)."""
    a_start, _ = dates.day_bounds(as_of)
    params: dict[str, Any] = {
        **_key(campaign.campaign_id, as_of),
        "a_start": a_start,
        "w_start": a_start - dt.timedelta(days=campaign.lookback_days),
    }
    params.update({f"cat_{i}": c for i, c in enumerate(campaign.target_categories)})
    params.update({f"reward_{s}": campaign.rewards[s] for s in SEGMENTS})
    return params


def build(wh: Any, campaign: Campaign, as_of: dt.date) -> dict[str, Any]:
    """Replace the build (campaign, A) in crowd_membership and crowd_summary, in one transaction.

    When a later build exists, its prev_users / change_pct are recomputed too (this build may now be
    its latest earlier build). Returns ``summary(...)``.
    """
    wh.ensure_tables()
    pgstats.refresh(wh, ("dim_user", "fact_order"))
    key = _key(campaign.campaign_id, as_of)
    with wh.transaction():
        wh.replace_rows("crowd_membership", key, "crowd/crowd_membership.sql", membership_params(campaign, as_of),
                        n_categories=len(campaign.target_categories))
        wh.replace_rows("crowd_summary", key, "crowd/crowd_summary.sql", key)
        nxt = wh.query("crowd/next_build.sql", key)[0]["next_date"]
        if nxt is not None:
            later = _key(campaign.campaign_id, _as_date(nxt))
            wh.replace_rows("crowd_summary", later, "crowd/crowd_summary.sql", later)
    return summary(wh, campaign, as_of)


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def summary(wh: Any, campaign: Campaign, as_of: dt.date) -> dict[str, Any]:
    """The build's sizes, without personal data (JSON-friendly: it travels as an XCom)."""
    rows = wh.query("crowd/build_summary.sql", _key(campaign.campaign_id, as_of))
    d_start, d_end = dates.day_bounds(as_of - dt.timedelta(days=1))
    last_day_orders = int(wh.query("crowd/orders_on_day.sql", {"d_start": d_start, "d_end": d_end})[0]["n"])
    prev = rows[0]["prev_as_of_date"] if rows else None
    segments = [
        {
            "segment": r["segment"],
            "label": campaign.segment_label(r["segment"]),
            "users": int(r["users"]),
            "prev_users": None if r["prev_users"] is None else int(r["prev_users"]),
            "change_pct": None if r["change_pct"] is None else float(r["change_pct"]),
            "reward_amount": format(campaign.rewards[r["segment"]], "f"),
        }
        for r in rows
    ]
    return {
        "campaign_id": campaign.campaign_id,
        "name": campaign.name,
        "as_of_date": as_of.isoformat(),
        "window": campaign.window(),
        "lookback_days": campaign.lookback_days,
        "target_categories": list(campaign.target_categories),
        "change_alert_threshold": campaign.change_alert_threshold,
        "total_users": sum(s["users"] for s in segments),
        "prev_as_of_date": None if prev is None else _as_date(prev).isoformat(),
        "last_day_orders": last_day_orders,
        "segments": segments,
    }


# ---------------------------------------------------------------------------------------------- export


def export_path(campaign_id: str, as_of: dt.date) -> Path:
    return data_dir() / "exports" / "crowds" / campaign_id / f"{as_of.isoformat()}.csv"


def export_csv(wh: Any, campaign_id: str, as_of: dt.date) -> tuple[Path, int]:
    """Write ``exports/crowds/<campaign_id>/<A>.csv`` (UTF-8 with BOM): user_pin, segment, reward_amount."""
    rows = wh.query("crowd/export_membership.sql", _key(campaign_id, as_of))
    path = export_path(campaign_id, as_of)
    return path, exports.write_csv(path, EXPORT_COLUMNS, rows)


# ---------------------------------------------------------------------------------------------- messages


def _change(seg: Mapping[str, Any]) -> str:
    if seg["prev_users"] is None:
        return "first build"
    if seg["change_pct"] is None:  # prev_users == 0
        return f"was 0, {'unchanged' if seg['users'] == 0 else 'new'}"
    return f"{seg['change_pct']:+.1%} vs {seg['prev_users']:,}"


def digest_text(summary: Mapping[str, Any], export: str | None = None, link: str | None = None) -> str:
    """The build's digest: each segment's size, change and reward; never a user."""
    from outfield.alerts import format_digest

    prev = summary.get("prev_as_of_date")
    title = (f"活动人群 {summary['name']} ({summary['campaign_id']}) as of {summary['as_of_date']}: "
             f"{summary['total_users']:,} users"
             + (f", changes against the build of {prev}" if prev else ", first build"))
    lines = [
        f"{s['segment']} {s['label']}: {s['users']:,} users ({_change(s)}), reward {s['reward_amount']}"
        for s in summary["segments"]
    ]
    if summary.get("last_day_orders") == 0:
        last_day = dt.date.fromisoformat(summary["as_of_date"]) - dt.timedelta(days=1)
        lines.append(f"⚠ fact_order has no rows for {last_day} yet: if that day is late, active users "
                     "sit in the inactive segments; re-run this date when it has arrived")
    if export:
        lines.append(f"Export: {export}")
    return format_digest(title, lines, link)


def anomalies(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Segments that moved more than the threshold against the previous build (or grew from 0)."""
    threshold = float(summary["change_alert_threshold"])
    out = []
    for s in summary["segments"]:
        if s["prev_users"] is None:
            continue
        if s["change_pct"] is None:
            moved = s["users"] > 0  # from 0 to some: an unbounded change
        else:
            moved = abs(s["change_pct"]) > threshold
        if moved:
            out.append(dict(s))
    return out


def anomaly_text(summary: Mapping[str, Any], seg: Mapping[str, Any], link: str | None = None) -> str:
    """What, where, the number, the expected band, the run."""
    threshold = float(summary["change_alert_threshold"])
    prev = seg["prev_users"]
    # within [prev * (1 - t), prev * (1 + t)] is no anomaly (rounded first: 100 * 0.8 is 80.00000000000001)
    low, high = math.ceil(round(prev * (1 - threshold), 6)), math.floor(round(prev * (1 + threshold), 6))
    change = "from 0" if seg["change_pct"] is None else f"{seg['change_pct']:+.1%}"
    text = (
        f":warning: crowd size anomaly in campaign {summary['campaign_id']} ({summary['name']}), as of "
        f"{summary['as_of_date']}: segment {seg['segment']} {seg['label']} has {seg['users']:,} users, "
        f"{change} against {prev:,} in the build of {summary['prev_as_of_date']}; expected "
        f"{max(low, 0):,}..{high:,} (±{threshold:.0%})."
    )
    return text + (f" Run: {link}" if link else "")


def dedupe_key(summary: Mapping[str, Any], seg: Mapping[str, Any]) -> str:
    return f"crowd_change:{summary['campaign_id']}:{seg['segment']}:{summary['as_of_date']}"
