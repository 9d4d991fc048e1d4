"""The pipelines as their DAGs run them: the same step functions, the same SQL files.

``run(step, wh, params)`` calls what the DAG task calls (``churn.build`` for one business date,
``crowds.build`` for one campaign as-of date, ``redpacket.build`` for one ISO week, the five
``calibration`` checks of one date) and returns ``(rows, parts)``: the rows the step produced and
the seconds of each sub-step. ``collect(step, wh, params)`` then reads what the step wrote, in the
canonical form the pandas baseline (``benchmarks.baseline``) returns, so both can be compared.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pandas as pd

from outfield import calibration, churn, crowds, redpacket
from outfield.campaigns import load_campaign
from outfield.config import INCLUDE_DIR

CAMPAIGN_FILE = INCLUDE_DIR / "campaigns" / "c618_dandan_fan.yaml"
CHECK_NAMES = calibration.ALERTED_CHECK_NAMES  # every check the calibration DAG runs


def campaign():
    return load_campaign(CAMPAIGN_FILE)


def _date(p: dict[str, Any], key: str) -> dt.date:
    return dt.date.fromisoformat(p[key])


def run(step: str, wh: Any, p: dict[str, Any]) -> tuple[int, dict[str, float]]:
    parts: dict[str, float] = {}

    def timed(name: str, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        parts[name] = time.perf_counter() - t
        return out

    if step == "churn":
        summary = timed("churn.build", churn.build, wh, _date(p, "business_date"), int(p.get("cooldown_days", 7)))
        return int(summary["list_rows"]), parts
    if step == "crowd":
        summary = timed("crowds.build", crowds.build, wh, campaign(), _date(p, "as_of_date"))
        return int(summary["total_users"]), parts
    if step == "funnel":
        summary = timed("redpacket.build", redpacket.build, wh, _date(p, "week_start"))
        return int(summary["shops"]), parts
    if step == "calibration":
        d = _date(p, "business_date")
        n = 0
        outcome = timed("store_city", calibration.calibrate_store_city, wh, d)
        n += len(outcome.results)
        n += len(timed("funnel_monotonic", calibration.check_funnel, wh, d))
        n += len(timed("freshness_volume", calibration.check_freshness_volume, wh, d))
        n += len(timed("keys_and_nulls", calibration.check_keys_and_nulls, wh, d))
        n += len(timed("gross_margin", calibration.check_gross_margin, wh, d))
        n += len(timed("source_values", calibration.check_source_values, wh, d))
        return n, parts
    raise ValueError(f"unknown step {step!r}")


def _df(wh: Any, sql: str, *params: Any) -> pd.DataFrame:
    return wh.connection().execute(sql, list(params)).df()


def collect(step: str, wh: Any, p: dict[str, Any]) -> dict[str, Any]:
    """What the step wrote, as the baseline returns it."""
    if step == "churn":
        d = _date(p, "business_date")
        return {
            "churn_callback_list": _df(wh, "SELECT business_date, user_pin, phone_masked, merchant_id, merchant_name, "
                                           "shop_id, store_name, city, first_trial_at, trial_count, max_trial_amount "
                                           "FROM churn_callback_list WHERE business_date = ?", d),
            "churn_daily_stats": _df(wh, "SELECT business_date, merchant_id, merchant_name, pass_users, churned_users, "
                                         "churn_rate FROM churn_daily_stats WHERE business_date = ?", d),
        }
    if step == "crowd":
        from benchmarks.baseline import membership_result

        c = campaign()
        members = _df(wh, "SELECT user_pin, segment FROM crowd_membership WHERE campaign_id = ? AND as_of_date = ?",
                      c.campaign_id, _date(p, "as_of_date"))
        out = membership_result(members)
        summary = _df(wh, "SELECT segment, users FROM crowd_summary WHERE campaign_id = ? AND as_of_date = ?",
                      c.campaign_id, _date(p, "as_of_date"))
        out["summary_sizes"] = {r.segment: int(r.users) for r in summary.itertuples()}
        return out
    if step == "funnel":
        return {"redpacket_funnel_weekly": _df(
            wh, "SELECT week_start, merchant_id, merchant_name, shop_id, store_name, city, scan_users, claim_users, "
                "trial_users, pass_users, order_users, redeem_users, gmv, redpacket_cost, claim_rate, trial_rate, "
                "pass_rate, order_rate, redeem_rate FROM redpacket_funnel_weekly WHERE week_start = ?",
            _date(p, "week_start"))}
    if step == "calibration":
        names = ", ".join(f"'{c}'" for c in CHECK_NAMES)
        return {"dq_check_results": _df(
            wh, f"SELECT check_name, subject, metric, value FROM dq_check_results "
                f"WHERE business_date = ? AND check_name IN ({names})", _date(p, "business_date"))}
    raise ValueError(f"unknown step {step!r}")
