"""The two DAGs of this feature as Airflow parses them: schedule, params, pools, docs."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert not {f: e for f, e in bag.import_errors.items()
                if Path(f).name in ("redpacket_funnel_weekly.py", "weekly_report.py")}
    return bag


@pytest.mark.parametrize(("dag_id", "cron"), [("redpacket_funnel_weekly", "0 9 * * 1"), ("weekly_report", "0 10 * * 1")])
def test_schedule_mondays_shanghai(dagbag, dag_id, cron):
    dag = dagbag.dags[dag_id]
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    assert dag.timetable.expression == cron
    assert "Asia/Shanghai" in str(dag.timetable.timezone)
    assert dag.params["business_date"] is None
    assert not dag.catchup and dag.max_active_runs == 1


def test_warehouse_tasks_take_the_pool(dagbag):
    from outfield.config import WAREHOUSE_POOL

    funnel = dagbag.dags["redpacket_funnel_weekly"]
    assert {t.task_id: t.pool for t in funnel.tasks} == {
        "build_funnel": WAREHOUSE_POOL, "render_dashboard": WAREHOUSE_POOL, "send_digest": "default_pool"}
    report = dagbag.dags["weekly_report"]
    assert {t.task_id: t.pool for t in report.tasks} == {
        "pipeline_docs": "default_pool", "run_history": "default_pool", "collect_outputs": WAREHOUSE_POOL,
        "write_report": "default_pool"}


@pytest.mark.parametrize("dag_id", ["redpacket_funnel_weekly", "weekly_report"])
def test_documented_with_retries_and_failure_alert(dagbag, dag_id):
    from outfield.alerts import failure_callback

    dag = dagbag.dags[dag_id]
    for word in ("背景和目的", "Owner", "Consumers", "Inputs", "Outputs"):
        assert word in dag.doc_md
    for t in dag.tasks:
        assert t.owner == "credit-analytics" and t.retries >= 1
        callbacks = t.on_failure_callback if isinstance(t.on_failure_callback, list) else [t.on_failure_callback]
        assert failure_callback in callbacks


def test_funnel_doc_explains_every_column(dagbag):
    from outfield import redpacket

    doc = dagbag.dags["redpacket_funnel_weekly"].doc_md
    for col in (*redpacket.COUNT_COLUMNS, *redpacket.MONEY_COLUMNS, *redpacket.RATE_COLUMNS, "week_start", "city"):
        assert col in doc, col


@pytest.mark.parametrize("bad", ["2026-13-45", "2026-06-10'; DROP TABLE redpacket_funnel_weekly; --", "last week"])
def test_trigger_form_refuses_bad_business_date(dagbag, bad):
    from airflow.sdk.definitions.param import ParamValidationError

    param = copy.deepcopy(dagbag.dags["redpacket_funnel_weekly"].params.get_param("business_date"))
    with pytest.raises(ParamValidationError):
        param.resolve(bad)
    assert param.resolve("2026-06-10") == "2026-06-10"
