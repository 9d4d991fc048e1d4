"""Publish a week's dashboard: read the warehouse once, write the files, render the PNG for Slack.

Called by the ``redpacket_funnel_weekly`` DAG (and the tests). The web side never calls this: it only
serves what is written here.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from outfield import redpacket
from outfield.config import setting
from outfield.dashboard import files

log = logging.getLogger(__name__)

#: The plugin's mount point and the Airflow UI route of its nav entry (plugins/outfield_ui_plugin.py).
URL_PREFIX = "/outfield"
APP_PATH = "/redpacket"
UI_ROUTE = "redpacket-funnel"


def api_base_url() -> str:
    """Airflow's public base URL ([api] base_url / AIRFLOW__API__BASE_URL), default http://localhost:8080."""
    from outfield.alerts import _api_base_url

    return _api_base_url()


def dashboard_url(week_start: dt.date | str) -> str:
    """The week's page as the plugin serves it (opens with the Airflow login cookie)."""
    return f"{api_base_url()}{URL_PREFIX}{APP_PATH}/{quote(str(week_start))}.html"


def trend_weeks() -> int:
    return max(1, min(52, int(setting("redpacket", "trend_weeks", default=redpacket.DEFAULT_TREND_WEEKS))))


def load_week(wh: Any, week_start: dt.date) -> dict[str, Any]:
    """Everything the page needs from the warehouse (the table's rows of W, the trend, the defects)."""
    return {
        "rows": redpacket.week_rows(wh, week_start),
        "trend": redpacket.merchant_trend(wh, week_start, trend_weeks()),
        "defects": redpacket.input_defects(wh, week_start),
    }


def write_week(week_start: dt.date, data: dict[str, Any], *, run_link: str | None = None,
               generated_at: str | None = None) -> dict[str, Any]:
    """Write ``<week>.html``, the chart-only page for the PNG, and the index; return a small summary."""
    from outfield.dashboard import browser, render

    generated_at = generated_at or dt.datetime.now(dt.UTC).astimezone(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M (UTC+8)")
    rows, trend = data["rows"], data["trend"]
    dm = render.model(week_start, rows, trend)
    prev = (week_start - dt.timedelta(days=7)).isoformat()
    previous_week = prev if files.week_html_path(prev).is_file() else None
    page = files.week_html_path(week_start)
    files.atomic_write_text(page, render.render_week_html(
        week_start, rows, trend, trend_weeks=trend_weeks(), generated_at=generated_at, dm=dm,
        defects=data.get("defects"), run_link=run_link, previous_week=previous_week))

    ascii_labels = not browser.has_cjk_font()
    colors = render.merchant_colors([m["merchant_name"] for m in dm["merchants"]])
    title = f"Red-packet funnel by merchant, {dm['iso_week']} ({dm['week_start']} - {dm['week_end']})"
    chart = files.charts_dir() / f"{week_start.isoformat()}_funnel.html"
    files.atomic_write_text(chart, render.chart_only_html(
        render.funnel_figure(dm["merchants"], colors, title, ascii_labels=ascii_labels)))

    this = dm["headline"]["this"]
    weeks = files.update_index({
        "week_start": dm["week_start"], "week_end": dm["week_end"], "iso_week": dm["iso_week"],
        "generated_at": generated_at, "shops": this["shops"], "claim_users": this["claim_users"],
        "order_users": this["order_users"], "conversion": this["conversion"], "gmv": this["gmv"],
    })
    rank = dm["ranking"]
    keep = ("shop_id", "store_name", "merchant_name", "city", "claim_users", "order_users", "conversion")
    return {
        "html": str(page),
        "chart_html": str(chart),
        "ascii_chart": ascii_labels,
        "iso_week": dm["iso_week"],
        "headline": dm["headline"],
        "merchants": dm["merchants"][:10],
        "ranking": {"min_claimers": rank["min_claimers"], "eligible": rank["eligible"],
                    "best": [{k: s.get(k) for k in keep} for s in rank["best"][:3]],
                    "worst": [{k: s.get(k) for k in keep} for s in rank["worst"][:3]]},
        "weeks_available": len(weeks),
    }


def render_png(chart_html: str | Path, week_start: str) -> tuple[Path | None, str]:
    """Screenshot the chart-only page to ``_charts/<week>_funnel.png``: (path, "") or (None, why)."""
    from outfield.dashboard import browser

    png = files.charts_dir() / f"{week_start}_funnel.png"
    ok, why = browser.screenshot(Path(chart_html), png, width=1200, height=640)
    return (png, "") if ok else (None, why)


def send_digest(pipeline: str, summary: dict[str, Any], dashboard: dict[str, Any],
                run_link: str | None = None) -> dict[str, str]:
    """Slack: the text digest, then the funnel chart as PNG (skipped, with a log line, without a Chromium).

    Never raises (alerts send to the outbox when Slack is not there).
    """
    from outfield import alerts

    text = redpacket.digest_text(summary, dashboard, link=run_link, dashboard_url=dashboard_url(summary["week_start"]))
    status = {"digest": alerts.send_alert(pipeline, text, kind="digest")}
    png, why = render_png(dashboard["chart_html"], summary["week_start"])
    if png is None:
        log.warning("Funnel PNG skipped: %s. The text digest was sent without it.", why)
        status["png"] = f"skipped: {why}"
        return status
    status["png"] = alerts.upload_file(
        pipeline, png, f"红包码 funnel by merchant {dashboard['iso_week']}",
        f"红包码看板 {dashboard['iso_week']}: funnel by merchant ({summary['week_start']} – {summary['week_end']})")
    return status
