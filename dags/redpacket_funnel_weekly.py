"""
# 红包码看板 Red-packet code funnel — `redpacket_funnel_weekly`

## 背景和目的 Background and purpose
Stores put a red-packet code (红包码) at the till: scanning it gives the user a coupon to pay with
Baitiao. Merchant managers need to know, store by store, whether the codes turn scans into Baitiao
orders and what the packets cost; Apple asked for the funnel per store (shop_id). This DAG builds the
funnel of every store each week with the same rules every week and publishes it as a dashboard inside
Airflow, instead of an analyst pulling it by hand for the weekly report.

- **Owner 负责人**: credit-analytics (外场 Baitiao analytics team)
- **Consumers 使用方**: merchant managers (Apple and the other merchants: funnel per store), the
  analysts (weekly report 周报), campaign operations (which stores to push codes at)
- **Schedule 调度**: Mondays 09:00 Asia/Shanghai, for the ISO week (Monday–Sunday) containing the
  business date D = yesterday, i.e. the week that just ended.
- **Params**: `business_date` (YYYY-MM-DD): any day of the week to (re)build.

## Inputs 输入
`fact_redpacket_event` (scan / claim / redeem), `fact_trial`, `fact_order`, `dim_store` (warehouse
team); `dim_store_calibrated` (`data_calibration_daily`, the calibrated city).

## Outputs 输出
**`redpacket_funnel_weekly`** — one row per store (shop_id) and week with any scan or claim (an
anonymous scan is enough); re-running a week replaces that week's rows in one transaction:

| column | meaning |
|---|---|
| week_start | the Monday of the ISO week W |
| merchant_id, merchant_name, shop_id, store_name | the store (null merchant: a shop dim_store does not know) |
| city | calibrated city (`dim_store_calibrated`) where known, else the source city |
| scan_users | distinct identified users who scanned the store's code in W (anonymous scans are no user) |
| claim_users | distinct users who claimed a red packet at the store in W; a claimer's claim time is their first claim there in W |
| trial_users | claimers with any credit trial (试算) at the store from their claim time (inclusive) to the end of W |
| pass_users | claimers with a passing trial in that window |
| order_users | claimers with a success order (成功订单) at the store in that window |
| redeem_users | claimers with a redeem event at the store in that window |
| gmv | amount of those success orders (元) |
| redpacket_cost | amount of those redeem events (元; a null amount counts 0) |
| claim_rate, trial_rate, pass_rate, order_rate, redeem_rate | claim/scan, trial/claim, pass/trial, order/pass, redeem/order: fractions, null when the denominator is 0; claim_rate can exceed 1 (a claim through a shared link has no scan) |

Rows that repeat an event_id, trial_id or order_id count once; the week's dirty events (duplicates,
events at unknown shops, claims without a user) are counted in the digest.

**Dashboard 看板** (Airflow UI → *红包码看板 Red-packet funnel*): one self-contained HTML page per week,
`dashboards/redpacket/<week_start>.html` under the data folder, plus `index.html`/`index.json`
listing the weeks. It shows the KPIs with week-over-week change, the funnel by merchant, the stores
with the best and worst claim→order conversion (order_users / claim_users, stores with at least
`redpacket.rank_min_claimers` = 5 claimers), the trend of the last 8 weeks (derived from source with
the same rules, summed over each merchant's stores) and every store in a table with filters.
The web side serves these files only; it never opens the warehouse.

**Slack** (`#outfield-redpacket`): a digest with the headline numbers, per merchant, the best and
weakest store and the link; plus a PNG of the funnel chart when a Chromium is installed on the worker
(otherwise the PNG is skipped with a log line and the text digest still goes). No user data.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from outfield.dagkit import TIMEZONE, WAREHOUSE_POOL, date_param_schema, default_args

PIPELINE = "redpacket_funnel_weekly"


@dag(
    dag_id=PIPELINE,
    schedule=CronTriggerTimetable("0 9 * * 1", timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["redpacket", "weekly", "dashboard", "红包码"],
    doc_md=__doc__,
    params={
        "business_date": Param(None, **date_param_schema(
            "Any day of the ISO week to build (YYYY-MM-DD); empty = yesterday, i.e. the week that just ended")),
    },
)
def redpacket_funnel_weekly():
    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def build_funnel(**context) -> dict:
        """Replace the week's redpacket_funnel_weekly rows in one transaction."""
        from outfield import redpacket
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        week_start, _ = redpacket.week_of(business_date(context))
        with Warehouse.from_connection() as wh:
            summary = redpacket.build(wh, week_start)
        print(f"week {summary['week_start']}..{summary['week_end']}: {summary['shops']} shops; "
              f"source defects {summary['defects']}")
        return summary

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def render_dashboard(summary: dict, **context) -> dict:
        """Write dashboards/redpacket/<week>.html (self-contained), the chart page for Slack, the index."""
        from outfield import alerts
        from outfield.dashboard import publish
        from outfield.dates import parse_date
        from outfield.warehouse import Warehouse

        week_start = parse_date(summary["week_start"], "week_start")
        with Warehouse.from_connection() as wh:
            data = publish.load_week(wh, week_start)
        result = publish.write_week(week_start, data, run_link=alerts.run_link(context))
        print(f"dashboard {result['html']} ({result['weeks_available']} weeks available)")
        return result

    @task(multiple_outputs=False)
    def send_digest(summary: dict, dashboard: dict, **context) -> dict:
        """Slack: the headline numbers, then the funnel chart as PNG (skipped without a Chromium)."""
        from outfield import alerts
        from outfield.dashboard import publish

        return publish.send_digest(PIPELINE, summary, dashboard, alerts.run_link(context))

    summary = build_funnel()
    dashboard = render_dashboard(summary)
    send_digest(summary, dashboard)


redpacket_funnel_weekly()
