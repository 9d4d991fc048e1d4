"""DAG integrity over the real dags/ folder (the Astro template's test, made stricter).

Every DAG file imports without error; every DAG has an owner, tags, retries, the shared failure
alert and doc_md with 背景和目的, and every task that opens the warehouse uses the warehouse pool.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DAGS = {"churn_callback_daily", "data_calibration_daily", "campaign_crowd_c618_dandan_fan",
                 "redpacket_funnel_weekly", "weekly_report"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_expected_dags_exist(dagbag):
    assert EXPECTED_DAGS <= set(dagbag.dag_ids)


def _dags(dagbag):
    return [dagbag.dags[d] for d in sorted(dagbag.dag_ids)]


def test_every_dag_is_documented_owned_tagged(dagbag):
    for dag in _dags(dagbag):
        assert dag.tags, f"{dag.dag_id} has no tags"
        assert dag.doc_md and "背景和目的" in dag.doc_md, f"{dag.dag_id} doc_md lacks 背景和目的"
        for word in ("Owner", "Consumers", "Inputs", "Outputs"):
            assert word in dag.doc_md, f"{dag.dag_id} doc_md lacks {word}"
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", f"{dag.dag_id}.{t.task_id} has no owner"


def test_every_task_retries_and_alerts_on_failure(dagbag):
    from outfield.alerts import failure_callback

    for dag in _dags(dagbag):
        for t in dag.tasks:
            if t.task_type != "SourceRowsSensor":  # a sensor timeout is final: it names the late table
                assert t.retries >= 1, f"{dag.dag_id}.{t.task_id} has no retries"
            callbacks = t.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert failure_callback in callbacks, f"{dag.dag_id}.{t.task_id} has no failure alert"


def test_warehouse_tasks_share_the_pool(dagbag):
    from outfield.config import WAREHOUSE_POOL

    dag = dagbag.dags["churn_callback_daily"]
    for task_id in ("wait_for_source_rows", "build_list", "check_churn_rate", "export_csv"):
        assert dag.get_task(task_id).pool == WAREHOUSE_POOL


def test_churn_dag_schedule_params_and_deadline(dagbag):
    dag = dagbag.dags["churn_callback_daily"]
    assert dag.timetable.expression == "0 8 * * *"
    assert str(dag.timetable.timezone) in ("Asia/Shanghai", "Timezone('Asia/Shanghai')")
    assert dag.params["cooldown_days"] == 7
    assert dag.params["business_date"] is None
    assert dag.deadline is not None


@pytest.mark.parametrize("bad", ["2026-13-45", "2026-06-10'; DROP TABLE churn_callback_list; --", "yesterday", 7])
def test_trigger_form_refuses_bad_business_date(dagbag, bad):
    import copy

    param = copy.deepcopy(dagbag.dags["churn_callback_daily"].params.get_param("business_date"))
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError):
        param.resolve(bad)
    assert param.resolve("2026-06-10") == "2026-06-10"


@pytest.mark.parametrize("bad", [-1, 61, "7"])
def test_trigger_form_refuses_bad_cooldown(dagbag, bad):
    import copy

    param = copy.deepcopy(dagbag.dags["churn_callback_daily"].params.get_param("cooldown_days"))
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError):
        param.resolve(bad)
    assert param.resolve(0) == 0


def test_dag_folder_parses_without_heavy_imports():
    """Parsing dags/ must not import pandas/duckdb/psycopg at top level (keeps the processor fast)."""
    code = (
        "import sys; from airflow.dag_processing.dagbag import DagBag; "
        f"b = DagBag(dag_folder={str(ROOT / 'dags')!r}); "
        "assert not b.import_errors, b.import_errors; "
        "heavy = [m for m in ('pandas', 'duckdb', 'psycopg', 'plotly') if m in sys.modules]; "
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(),
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    heavy = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    assert heavy == ["HEAVY="], f"heavy modules imported while parsing dags/: {heavy}"
