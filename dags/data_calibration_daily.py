"""
# 数据校准 Data-calibration checks — `data_calibration_daily`

## 背景和目的 Background and purpose
The source tables have real defects that used to be found late and by hand: Apple stores without a
city (20 % of Apple's transactions had no city), and a trial → transaction → order funnel that grows
where it must shrink because `fact_txn` lost rows. Every number the team publishes (churn list,
red-packet funnel, crowds) rests on these tables. This DAG checks them every morning, says *what
kind* of defect it found, where and how big, and alerts once per defect, so that the analysts know
which numbers to trust before they publish and the warehouse team knows what to fix.

- **Owner 负责人**: credit-analytics (外场 Baitiao analytics team)
- **Consumers 使用方**: the analysts (before publishing any number), the warehouse team (fixes),
  `churn_callback_daily` and `redpacket_funnel_weekly` (calibrated store city)
- **Schedule 调度**: daily 07:00 Asia/Shanghai, for business date D = yesterday (before the churn list
  at 08:00, so that the list uses today's calibrated cities).
- **Params**: `business_date` (YYYY-MM-DD, overrides D).
- **Findings are the product**: a run that finds defects succeeds. It fails only when it cannot
  check (a table that cannot be read); the checks that could run are still written and alerted.

## Inputs 输入
`dim_store`, `dim_user`, `fact_trial`, `fact_txn`, `fact_order`, `fact_redpacket_event` (warehouse
team); the reference list of Chinese administrative divisions `include/reference/china_admin_divisions.csv`
(民政部 行政区划代码 / GB/T 2260, see `include/reference/README.md`).

## Outputs 输出
**`dim_store_calibrated`** — rebuilt whole (atomically) at each run, one row per shop_id of `dim_store`:

| column | meaning |
|---|---|
| shop_id | the store |
| city | the store's city, written like the source: official name without 市 (`北京`, `深圳`, `吉林`); autonomous prefectures, 地区 and 盟 keep their full name (`延边朝鲜族自治州`); null when unresolved |
| city_source | `source` (dim_store had a city; a placeholder such as `未知`, `null` or `-` counts as missing, like a blank), `address` (recovered from the address), `unresolved` (neither; a district-only address such as `朝阳区建国路88号` is ambiguous and stays unresolved) |
| business_date | D of the run that built it |

**`dq_check_results`** — for D, each check replaces its own rows (`check_name, business_date, subject,
metric, value, threshold, status, detail`); `status` is pass / warn / fail:

| check_name | subject | metric: value | status |
|---|---|---|---|
| `store_city` | merchant_id | `unresolved_amount_share`: order amount of the 7 days ending D at stores without a city ÷ the merchant's order amount (0–1; null without orders) | warn above `calibration.unresolved_amount_share_warn` (5 %) |
| `store_city` | merchant_id | `unresolved_stores`, `address_stores`: store counts | pass (informational) |
| `funnel_monotonic` | shop_id | `stage_excess_users`: for a shop-day where passing-trial users ≥ transacting users (any `fact_txn` row) ≥ ordering users fails, the largest excess of a later stage; the three numbers in detail | warn (suspected data loss) |
| `funnel_monotonic` | — | `shops_checked`: shops with activity on D | pass (informational) |
| `source_freshness` | fact table | `rows_of_day`: rows of D, a repeated primary key once | fail at 0 |
| `source_volume` | fact table | `rows_of_day` (as above), threshold = the band learned from the last 4 same weekdays (median ± max(25 %, 3·1.4826·MAD)) | warn outside the band; a history under 3 weeks passes with a note |
| `primary_key` | table | `duplicate_rows`: rows repeating a key; `conflicting_keys`: repeated keys whose rows differ (fact tables: rows of D; dimensions: whole table) | warn; fail |
| `not_null` | table | `null_<column>`: rows with the required column null (same scope) | warn |
| `source_values` | fact table | `negative_amount_rows`: rows of D with amount < 0; `unknown_shop_rows`: rows of D at a shop_id dim_store does not know (an example id in detail). Not one of the spec's seven checks: added so that such rows are reported, never silently summed or dropped | warn |
| `gross_margin_floor` | merchant_id | `gross_margin_7d`: gross margin (场景毛利) of the success orders of the 7 days ending D, a repeated order once | fail below `calibration.gross_margin_floor.<merchant_id>` (default 0) |
| any | table | `check_error`: the table could not be checked (the task then fails) | fail |

**Slack** (`#outfield-dq`): one message per run listing each warn/fail finding with its number, the
expected band and a link to the run. A finding (check, subject, metric, business date) already alerted
within `alerts.suppression_hours` (24 h) is not sent again, so re-running or retrying a date repeats
nothing; each business date's findings are alerted once, so a defect that persists is in every
morning's message (and a backfill reports each date's late tables).

**Our own output** is checked too: `check_calibrated_output` (common-sql `SQLColumnCheckOperator`)
asserts that `dim_store_calibrated` has one non-null row per shop_id and a city_source on every row,
and records each of its checks in `dq_check_results` (`primary_key` / `not_null`, subject
`dim_store_calibrated`); a violation is a bug of this pipeline, so that task also fails (and alerts).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, TriggerRule, dag, task

from outfield.config import WAREHOUSE_CONN_ID
from outfield.dagkit import TIMEZONE, WAREHOUSE_POOL, date_param_schema, default_args
from outfield.sqlchecks import RecordedSQLColumnCheckOperator

PIPELINE = "data_calibration_daily"
#: The check tasks whose results the alert task sends (each returns a summary dict).
CHECK_TASKS = ("store_city", "funnel_monotonic", "source_freshness_volume", "primary_key_not_null",
               "source_values", "gross_margin_floor")


@dag(
    dag_id=PIPELINE,
    schedule=CronTriggerTimetable("0 7 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["data-quality", "daily", "数据校准"],
    doc_md=__doc__,
    params={
        "business_date": Param(None, **date_param_schema("Business date D (YYYY-MM-DD); empty = yesterday")),
    },
)
def data_calibration_daily():
    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def store_city(**context) -> dict:
        """Rebuild dim_store_calibrated; per merchant the order amount share at stores without a city."""
        from outfield import calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            outcome = calibration.calibrate_store_city(wh, d)
        return {"business_date": d.isoformat(), "stores": outcome.stores, "city_source": outcome.by_source,
                **calibration.summary(outcome.results)}

    check_calibrated_output = RecordedSQLColumnCheckOperator(
        task_id="check_calibrated_output",
        conn_id=WAREHOUSE_CONN_ID,
        table="dim_store_calibrated",
        column_mapping={
            "shop_id": {"null_check": {"equal_to": 0}, "unique_check": {"equal_to": 0}},
            "city_source": {"null_check": {"equal_to": 0}},
        },
        pool=WAREHOUSE_POOL,
    )

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def funnel_monotonic(**context) -> dict:
        """Per shop-day: passing-trial users >= transacting users >= ordering users."""
        from outfield import calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            return calibration.summary(calibration.check_funnel(wh, d))

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def source_freshness_volume(**context) -> dict:
        """Each fact table has rows for D, as many as its recent same weekdays predict."""
        from outfield import calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            return calibration.summary(calibration.check_freshness_volume(wh, d))

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def primary_key_not_null(**context) -> dict:
        """Unique primary keys and required columns (facts: rows of D; dimensions: whole table)."""
        from outfield import calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            return calibration.summary(calibration.check_keys_and_nulls(wh, d))

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def source_values(**context) -> dict:
        """Negative amounts and rows at unknown shops among the fact tables' rows of D."""
        from outfield import calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            return calibration.summary(calibration.check_source_values(wh, d))

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def gross_margin_floor(**context) -> dict:
        """Per merchant: 7-day gross margin against its configured floor (north-star guardrail)."""
        from outfield import calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            return calibration.summary(calibration.check_gross_margin(wh, d))

    @task(pool=WAREHOUSE_POOL, trigger_rule=TriggerRule.ALL_DONE, multiple_outputs=False)
    def alert_findings(**context) -> dict:
        """One Slack message with every new warn/fail finding of D; fails the run if a check could not run."""
        from airflow.sdk.exceptions import AirflowFailException

        from outfield import alerts, calibration
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        ti = context["ti"]
        incomplete = [t for t in CHECK_TASKS if ti.xcom_pull(task_ids=t) is None]
        with Warehouse.from_connection() as wh:
            outcome = calibration.alert_findings(wh, d, alerts.run_link(context), incomplete)
        if incomplete:
            # The findings above are sent; the run must still show that some checks did not run.
            raise AirflowFailException(f"data calibration for {d} incomplete: {', '.join(incomplete)} "
                                       "could not check (see those tasks' logs and failure alerts)")
        return outcome

    city = store_city()
    # The output check stays a leaf: its failure (our bug) must fail the run, and it alerts by itself.
    city >> check_calibrated_output
    [city, funnel_monotonic(), source_freshness_volume(), primary_key_not_null(), source_values(),
     gross_margin_floor()] >> alert_findings()


data_calibration_daily()
