"""data_calibration_daily as parsed from dags/: schedule, param, pools, and the wiring that lets one
failed check neither hide the others' alerts nor pass the run as a success."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "data_calibration_daily.py"))
    assert bag.import_errors == {}
    return bag.dags["data_calibration_daily"]


def test_schedule_and_param(dag):
    assert "expression='0 7 * * *'" in repr(dag.timetable)
    assert "timezone='Asia/Shanghai'" in repr(dag.timetable)
    assert dag.params["business_date"] is None
    with pytest.raises(Exception, match="(?i)valid|match|date"):
        dag.params.get_param("business_date").resolve("2026-02-30x")
    for word in ("背景和目的", "Owner", "Consumers", "Inputs", "Outputs", "dim_store_calibrated", "store_city"):
        assert word in dag.doc_md


def test_every_task_opens_the_warehouse_in_the_pool(dag):
    from outfield.config import WAREHOUSE_POOL

    assert {t.task_id for t in dag.tasks} == {
        "store_city", "check_calibrated_output", "funnel_monotonic", "source_freshness_volume",
        "primary_key_not_null", "source_values", "gross_margin_floor", "alert_findings"}
    for t in dag.tasks:
        assert t.pool == WAREHOUSE_POOL, t.task_id


def test_alert_runs_after_every_check_whatever_their_outcome(dag):
    from outfield.calibration import CHECK_NAMES

    alert = dag.get_task("alert_findings")
    assert str(alert.trigger_rule) in ("all_done", "TriggerRule.ALL_DONE")
    assert alert.upstream_task_ids == {"store_city", "funnel_monotonic", "source_freshness_volume",
                                       "primary_key_not_null", "source_values", "gross_margin_floor"}
    # the output check is a leaf of its own: its failure fails the run
    assert dag.get_task("check_calibrated_output").downstream_task_ids == set()
    assert dag.get_task("check_calibrated_output").upstream_task_ids == {"store_city"}
    assert len(CHECK_NAMES) == 7
