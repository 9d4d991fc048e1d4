"""
# 活动人群产出 Campaign crowd builds — `campaign_crowd_<campaign_id>`

One DAG per campaign file `include/campaigns/<campaign_id>.yaml` (folder: env `OUTFIELD_CAMPAIGNS_DIR`):
adding a file adds a DAG. Each DAG's doc_md (built by `outfield.campaigns.dag_doc`) gives the
campaign's window, categories and rewards, then 背景和目的, Owner, Consumers, Inputs, Outputs and the
meaning of every column; the steps are `outfield.crowds`, the SQL is `include/sql/crowd/`.

A file with a mistake never breaks the other campaigns: it becomes a stand-in DAG
`campaign_crowd_<file stem>` tagged `invalid-config`, whose doc names the file and each field at
fault and whose one task fails with that message (so the failure alert carries it to Slack); the
dag-processor log has one error line per broken file.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from outfield import campaigns
from outfield.dagkit import TIMEZONE, WAREHOUSE_POOL, date_param_schema, default_args

CRON = campaigns.schedule_cron()


def crowd_dag(campaign: campaigns.Campaign):
    @dag(
        dag_id=campaign.dag_id,
        description=f"{campaign.name}: crowd for {campaign.window()}",
        schedule=CronTriggerTimetable(CRON, timezone=TIMEZONE),
        # Not the campaign's start: Airflow creates no task for a run whose logical date is before the
        # DAG's start_date, so a manual run before the campaign would silently do nothing. The window
        # is enforced by check_window instead.
        start_date=min(pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
                       pendulum.datetime(*campaign.start_date.timetuple()[:3], tz=TIMEZONE)),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        tags=["campaign", "crowd", "daily", "活动人群", campaign.campaign_id],
        doc_md=campaigns.dag_doc(campaign, CRON),
        params={"as_of_date": Param(None, **date_param_schema("As-of date A (YYYY-MM-DD): data up to the end of "
                                                               "A-1; empty = the run's own day"))},
    )
    def crowd():
        @task
        def check_window(**context) -> str:
            """A of the run; a scheduled run outside the campaign window is skipped, saying why."""
            from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

            from outfield import crowds

            plan = crowds.plan(campaign, context)
            print(plan.reason)
            if plan.action == "skip":
                raise AirflowSkipException(plan.reason)
            if plan.action == "refuse":
                raise AirflowFailException(plan.reason)
            return plan.as_of.isoformat()

        @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
        def build_crowd(as_of: str) -> dict:
            """Replace the build's crowd_membership and crowd_summary rows in one transaction."""
            from outfield import crowds
            from outfield.dates import parse_date
            from outfield.warehouse import Warehouse

            with Warehouse.from_connection() as wh:
                return crowds.build(wh, campaign, parse_date(as_of))

        @task(pool=WAREHOUSE_POOL)
        def export_csv(as_of: str) -> str:
            """exports/crowds/<campaign_id>/<A>.csv for the campaign tool (UTF-8 BOM)."""
            from outfield import crowds
            from outfield.dates import parse_date
            from outfield.warehouse import Warehouse

            with Warehouse.from_connection() as wh:
                path, _ = crowds.export_csv(wh, campaign.campaign_id, parse_date(as_of))
            return str(path)

        @task
        def alert_changes(summary: dict, **context) -> list[dict]:
            """An anomaly alert per segment that moved more than the threshold against the previous build."""
            from outfield import alerts, crowds

            found = crowds.anomalies(summary)
            for seg in found:
                alerts.send_alert(campaign.dag_id, crowds.anomaly_text(summary, seg, alerts.run_link(context)),
                                  kind="anomaly", dedupe_key=crowds.dedupe_key(summary, seg))
            return found

        @task
        def send_digest(summary: dict, export: str, **context) -> str:
            """Slack digest: each segment's size and change; never a user."""
            from outfield import alerts, crowds

            text = crowds.digest_text(summary, export, alerts.run_link(context))
            return alerts.send_alert(campaign.dag_id, text, kind="digest")

        as_of = check_window()
        summary = build_crowd(as_of)
        exported = export_csv(as_of)
        summary >> exported
        alert_changes(summary)
        send_digest(summary, exported)

    return crowd()


def invalid_campaign_dag(problem: campaigns.CampaignProblem):
    @dag(
        dag_id=problem.dag_id,
        description=f"INVALID {problem.message}"[:400],
        schedule=CronTriggerTimetable(CRON, timezone=TIMEZONE),
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        tags=["campaign", "crowd", campaigns.INVALID_TAG],
        doc_md=campaigns.invalid_doc(problem),
        params={"as_of_date": Param(None, **date_param_schema("unused: the campaign file is invalid"))},
    )
    def invalid():
        @task
        def report_invalid_campaign_file():
            """Fails (no retry) with the message naming the file and each field at fault."""
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(problem.message)

        report_invalid_campaign_file()

    return invalid()


_loaded = campaigns.load_all()
for _campaign in _loaded.campaigns:
    crowd_dag(_campaign)
for _problem in _loaded.problems:
    invalid_campaign_dag(_problem)
