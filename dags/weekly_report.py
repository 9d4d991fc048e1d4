"""
# 周报 Weekly report — `weekly_report`

## 背景和目的 Background and purpose
The team used to write its weekly report (周报) by hand: background and purpose of each piece of work,
then progress, pulled together from memory and ad-hoc queries on Friday evening ("no background, no
information, only data"). The pipelines already know what they did, so this DAG writes the report from
their own records every Monday: one Markdown document and one Slack message, with the same shape
every week, so the time goes into reading it and talking about it instead of assembling it.

- **Owner 负责人**: credit-analytics (外场 Baitiao analytics team)
- **Consumers 使用方**: the team and its manager (weekly meeting), the merchant managers and operations
  who read the pipelines' outputs
- **Schedule 调度**: Mondays 10:00 Asia/Shanghai (after the red-packet funnel at 09:00), for the ISO
  week containing the business date D = yesterday, i.e. the week that just ended.
- **Params**: `business_date` (YYYY-MM-DD): any day of the week to report on.
- **Why its own DAG**: the report reads every pipeline, including `redpacket_funnel_weekly`; a failure
  here never holds back the dashboard, and it can be re-run alone.

## Inputs 输入
- 【背景和目的】: the first paragraph of the "背景和目的" section of every DAG's docs, parsed from
  `dags/` with a DagBag (the files Airflow runs; a file that does not import is named in the report).
- 【进度】, runs: Airflow's public REST API `GET /api/v2/dags/~/dagRuns` (Airflow 3 task code must not
  open the metadata database), through the Airflow connection **`airflow_api`** (config
  `weekly_report.api_conn_id`): host = the API server URL, login/password of an Airflow user (a JWT
  from `POST /auth/token`) or `extra.token`, e.g.
  `AIRFLOW_CONN_AIRFLOW_API='{"conn_type":"http","host":"http://localhost:8080","login":"admin","password":"..."}'`.
  Without it the report says "run history not available" and keeps everything else. Counted: runs
  with `run_after` from Tuesday 00:00 of the week to the Tuesday after (for the daily pipelines, the
  runs whose default business date is in the week, plus Monday's funnel run).
- 【进度】, numbers: the pipelines' outputs `churn_callback_list`, `churn_daily_stats` (list sizes, churn
  rate trend), `dq_check_results` (open data defects), `redpacket_funnel_weekly`, `crowd_summary`.

## Outputs 输出
**`reports/weekly/<week_start>.md`** under the data folder — per pipeline:

| part | meaning |
|---|---|
| 【背景和目的】 | why the pipeline exists (its DAG docs) |
| Runs | runs succeeded / failed / other in the window, by run type; each failed run with its failed tasks and a link |
| churn: callback lists | users to call per business date of the week; dates without a list |
| churn: churn rate | churned ÷ passing users over the week, vs last week (points), by day and by merchant |
| data calibration: open data defects | (check, subject, metric) whose latest result in the week is warn/fail, with **first seen** = the first business date it was warn/fail |
| red-packet funnel | the week's totals (scan → claim → order, claim→order conversion vs last week, GMV, cost) and the dashboard link |
| campaign crowds | the latest build of the week: users per segment and the change vs the previous build |

**Slack**: the same report as one message to `alerts.channels.weekly_report` (default channel when
not configured). Never a user list or a phone number: only counts, rates and defect subjects (tables,
merchants, shops).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from outfield.dagkit import TIMEZONE, WAREHOUSE_POOL, date_param_schema, default_args

PIPELINE = "weekly_report"


def _week(context) -> str:
    from outfield.dates import business_date, iso_week_start

    return iso_week_start(business_date(context)).isoformat()


@dag(
    dag_id=PIPELINE,
    schedule=CronTriggerTimetable("0 10 * * 1", timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["report", "weekly", "周报"],
    doc_md=__doc__,
    params={
        "business_date": Param(None, **date_param_schema(
            "Any day of the ISO week to report on (YYYY-MM-DD); empty = yesterday, i.e. the week that just ended")),
    },
)
def weekly_report():
    @task(multiple_outputs=False)
    def pipeline_docs() -> dict:
        """Title and 背景和目的 of every DAG, parsed from dags/ (DagBag)."""
        from outfield import weekly_report

        return weekly_report.pipeline_docs()

    @task(multiple_outputs=False)
    def run_history(**context) -> dict:
        """The week's runs of every DAG from the Airflow REST API (connection airflow_api)."""
        from outfield import weekly_report
        from outfield.dates import parse_date

        history = weekly_report.run_history(parse_date(_week(context)))
        print(f"run history: {history.get('source') or 'not available: ' + str(history.get('reason'))}; "
              f"{len(history['runs'])} runs")
        return history

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def collect_outputs(**context) -> dict:
        """The week's numbers from the pipelines' output tables."""
        from outfield import weekly_report
        from outfield.dates import parse_date
        from outfield.warehouse import Warehouse

        with Warehouse.from_connection() as wh:
            return weekly_report.collect_outputs(wh, parse_date(_week(context)))

    @task(multiple_outputs=False)
    def write_report(docs: dict, history: dict, outputs: dict, **context) -> dict:
        """reports/weekly/<week_start>.md and the Slack message."""
        from outfield import weekly_report
        from outfield.dates import parse_date

        generated = pendulum.now(TIMEZONE).strftime("%Y-%m-%d %H:%M Asia/Shanghai")
        result = weekly_report.publish(parse_date(_week(context)), docs, history, outputs, generated_at=generated)
        print(f"weekly report {result['path']} ({result['characters']} characters); Slack: {result['slack']}")
        return result

    write_report(pipeline_docs(), run_history(), collect_outputs())


weekly_report()
