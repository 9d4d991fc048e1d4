"""
# 意愿流失专项 Churn callback list — `churn_callback_daily`

## 背景和目的 Background and purpose
Users whom risk let buy (a passing credit trial, 试算通过) but who did not complete the purchase
are *willingness churn* (意愿流失): the product worked, the user walked away. Operations phone each
of them from 09:30 to win the sale back. This DAG gives operations that list every morning, built
from source data with the same rules every day, instead of an analyst pulling it by hand.

- **Owner 负责人**: credit-analytics (外场 Baitiao analytics team)
- **Consumers 使用方**: operations (电话回访), merchant managers (churn rate by merchant)
- **Schedule 调度**: daily 08:00 Asia/Shanghai, for business date D = yesterday. The list must be
  ready by 09:00: a deadline alert fires when the run has not finished one hour after it was queued.
- **Params**: `business_date` (YYYY-MM-DD, overrides D), `cooldown_days` (default 7).

## Inputs 输入
`fact_trial`, `fact_order`, `dim_store`, `dim_user` (warehouse team), `dim_store_calibrated`
(`data_calibration_daily`). The run first waits (bounded) until `fact_trial` and `fact_order` have
rows for D; when they do not arrive it fails and the alert names the late table.

## Outputs 输出
**`churn_callback_list`** — one row per (user, merchant) to call for D:

| column | meaning |
|---|---|
| business_date | D, the day the trials happened |
| user_pin | the user's account id |
| phone_masked | phone as `138****5678` (null when unknown); the full number never leaves the warehouse |
| merchant_id, merchant_name | the merchant (商户) the user did not buy from |
| shop_id, store_name | the store (门店) of the user's first passing trial of D at that merchant |
| city | the store's city: calibrated (`dim_store_calibrated`) where known, else the source city |
| first_trial_at | time of the first passing trial of the pair on D (ties: smallest trial_id) |
| trial_count | passing trials (通过的试算) of the pair on D |
| max_trial_amount | largest passing trial amount of the pair on D (元) |

A pair is churned on D when it has a passing trial at an **offline** store on D and no success order
(成功订单) by the user at any store of that merchant from that first passing trial to midnight.
Rejected trials (拦截) never make a user churned. A pair that churned on any of the `cooldown_days`
days before D is not listed again (nobody is phoned twice in a week).

**`churn_daily_stats`** — per merchant and D: `pass_users` (distinct users with a passing offline
trial at the merchant), `churned_users` (churned before the cooldown), `churn_rate` = churned_users /
pass_users (a fraction 0–1, not rounded). The stats count the same trials of D as the list: a
trial_id loaded again on D after an earlier copy in the list's window is one trial, of that earlier day.

**Export 导出**: `exports/churn_callback_list/<D>.csv` under the data folder (UTF-8 with BOM, opens in
Excel), masked phones only.

**Checks 校验** in `dq_check_results`: `churn_input` (dirty trial rows of D: duplicates counted once,
rows without user or at unknown shops left out and counted) and `churn_rate` (per merchant: D's
rate against the band of its last 8 same weekdays: pooled past rate p ± max(5 points, 4σ),
σ² = p(1−p)(1/n + 1/Σn) + (1.4826·MAD)², i.e. the sampling noise of D's rate (n = D's pass_users) and of
the estimate (Σn = the past days' pass_users) plus the spread of the past weeks; fewer
than 3 past points pass). A rate
outside the band is an alert.

**Slack**: a digest when the list is ready (rows, churn rate by merchant, the file) — never a phone
number or the user list; an alert per anomaly and per failed task.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from outfield.dagkit import TIMEZONE, WAREHOUSE_POOL, date_param_schema, deadline_alert, default_args
from outfield.sensors import SourceRowsSensor

PIPELINE = "churn_callback_daily"


@dag(
    dag_id=PIPELINE,
    schedule=CronTriggerTimetable("0 8 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["churn", "daily", "operations", "意愿流失"],
    doc_md=__doc__,
    params={
        "business_date": Param(None, **date_param_schema("Business date D (YYYY-MM-DD); empty = yesterday")),
        "cooldown_days": Param(7, type="integer", minimum=0, maximum=60,
                               description="Do not list a pair that churned in this many days before D"),
    },
    # queued 08:00 + 1 h = 09:00: operations start calling at 09:30
    deadline=deadline_alert(PIPELINE, "The churn callback list", "09:00", timedelta(hours=1)),
)
def churn_callback_daily():
    from outfield import churn

    wait = SourceRowsSensor(
        task_id="wait_for_source_rows",
        late_tables=churn.late_tables,
        config_section="churn",
        pool=WAREHOUSE_POOL,
    )

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def build_list(**context) -> dict:
        """Replace D's churn_callback_list and churn_daily_stats rows in one transaction."""
        from outfield import churn
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            summary = churn.build(wh, d, context["params"]["cooldown_days"])
            defects = churn.input_defects(wh, d)
        summary["defects"] = [{"metric": r.metric, "value": r.value, "status": r.status} for r in defects]
        return summary

    @task(pool=WAREHOUSE_POOL)
    def check_churn_rate(**context) -> list[dict]:
        """churn_rate rows in dq_check_results; an alert for each merchant outside its band."""
        from outfield import alerts, churn
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            results = churn.churn_rate_findings(wh, d)
        link = alerts.run_link(context)
        for r in results:
            if r.status != "pass":
                alerts.send_alert(
                    PIPELINE,
                    f":warning: churn_rate anomaly on {d} at {r.subject}: {r.detail}. Run: {link}",
                    kind="anomaly",
                    dedupe_key=f"churn_rate:{r.subject}:{d}",
                )
        return [{"merchant_id": r.subject, "status": r.status, "detail": r.detail} for r in results]

    @task(pool=WAREHOUSE_POOL)
    def export_csv(**context) -> str:
        """Write the operations export (UTF-8 BOM CSV, masked phones)."""
        from outfield import churn
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            path, _ = churn.export_csv(wh, d)
        return str(path)

    @task
    def send_digest(summary: dict, export: str, **context) -> str:
        """Slack digest: rows and churn rate by merchant, the file; never a phone or the list."""
        from outfield import alerts, churn

        text = churn.digest_text(summary, export, summary.get("defects"))
        return alerts.send_alert(PIPELINE, f"{text}\nRun: {alerts.run_link(context)}", kind="digest")

    summary = build_list()
    exported = export_csv()
    wait >> summary
    summary >> [check_churn_rate(), exported]
    send_digest(summary, exported)


churn_callback_daily()
