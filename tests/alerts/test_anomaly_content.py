"""The churn_rate anomaly alert says what, where, the number, the expected band and links to the run.

SPEC "Alerts": "Any anomaly or failed check: what, where, the number, the expected band, a link to
the run." The churn_rate alert text is built inline in dags/churn_callback_daily.py (task
``check_churn_rate``), so it is tested through that task's own code: the DAG file is parsed, its
``build_list`` and ``check_churn_rate`` callables run with a task context the way a scheduled run
gives it, on a hand-made warehouse, with no Slack connection, and the message is read back from the
outbox (and, in the second test, from a fake Slack).

D = 2026-06-10 (a Wednesday), from the scheduled run with logical date 2026-06-11T00:00Z. History:
the 4 previous Wednesdays, 100 passing users a day at each merchant, 20 of them churned. Band =
pooled past rate p ± max(5 points, 4σ), σ² = p(1−p)(1/n + 1/Σn) + (1.4826·MAD)². Worked out by hand:
- p = 80/400 = 0.20, MAD 0 (every past day 0.20); n = 100 (D's passing users), Σn = 400:
  σ² = 0.16 · (1/100 + 1/400) = 0.002, σ = 0.044721, 4σ = 0.178885 > 0.05
  -> band [0.021115, 0.378885] = [2.1%, 37.9%] (expected 20.0%, n=4).
- Apple: 60 of 100 churned on D = 60.0% -> outside -> one anomaly alert.
- 联想: 25 of 100 = 25.0% -> inside -> no alert.
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
import pytest
from airflow.sdk.api.datamodels._generated import DagRun

from tests.alerts.conftest import read_outbox
from tests.churn.test_churn_rate_anomaly import day_rows  # 100 passing users a day, k churned
from tests.helpers import insert
from tests.reliability.pipelines import _use_connection, dag

D = dt.date(2026, 6, 10)
BASE_URL = "https://airflow.outfield.example"
RUN_ID = "scheduled__2026-06-11T00:00:00+00:00"
# quote() of the run id in the link: ':' -> %3A, '+' -> %2B
RUN_LINK = f"{BASE_URL}/dags/churn_callback_daily/runs/scheduled__2026-06-11T00%3A00%3A00%2B00%3A00"
STORES = [
    dict(shop_id=f"S_{m}", store_name=f"{name} 店", merchant_id=m, merchant_name=name, channel="offline",
         address=None, city="北京")
    for m, name in (("M_APPLE", "Apple"), ("M_LENOVO", "联想"))
]


@pytest.fixture()
def spike(wh, monkeypatch):
    """The hand-made warehouse, the DAG's warehouse connection pointing at it, a configured base URL."""
    insert(wh, "dim_store", STORES)
    trials, orders = [], []
    for weeks_back in range(1, 5):
        for m in ("M_APPLE", "M_LENOVO"):
            t, o = day_rows(m, D - dt.timedelta(days=7 * weeks_back), 100, 20)
            trials += t
            orders += o
    for m, churned in (("M_APPLE", 60), ("M_LENOVO", 25)):
        t, o = day_rows(m, D, 100, churned)
        trials += t
        orders += o
    insert(wh, "fact_trial", trials)
    insert(wh, "fact_order", orders)
    # _use_connection sets os.environ directly: register the variable first so that it is restored
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", os.environ.get("AIRFLOW_CONN_WAREHOUSE", ""))
    _use_connection(wh)
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE_URL)
    return wh


def scheduled_context() -> dict:
    """The context of the 08:00 Asia/Shanghai scheduled run of 2026-06-11 (no business_date param)."""
    logical = pendulum.parse("2026-06-11T00:00:00Z")
    run = DagRun(dag_id="churn_callback_daily", run_id=RUN_ID, logical_date=logical,
                 data_interval_start=logical, data_interval_end=logical, run_after=logical,
                 start_date=logical, end_date=None, run_type="scheduled", state="running",
                 consumed_asset_events=[], partition_key=None)
    return {"dag_run": run, "run_id": RUN_ID, "logical_date": logical,
            "params": {"business_date": None, "cooldown_days": 7}}


def run_check(wh) -> list[dict]:
    churn_dag = dag("churn_callback_daily.py", "churn_callback_daily")
    ctx = scheduled_context()
    churn_dag.task_dict["build_list"].python_callable(**ctx)
    return churn_dag.task_dict["check_churn_rate"].python_callable(**ctx)


def assert_complete(text: str) -> None:
    # what
    assert "churn_rate anomaly" in text
    # where: the business date, the merchant id and name
    assert f"on {D} at M_APPLE" in text and "Apple:" in text
    # the number: D's rate and its counts
    assert "churn rate 60.0% (60/100)" in text
    # the expected band (worked out in the module docstring)
    assert "outside the band [2.1%, 37.9%] (expected 20.0%, n=4)" in text
    # a link to the run
    assert f"Run: {RUN_LINK}" in text


def test_anomaly_in_the_outbox_carries_what_where_number_band_and_run_link(spike, data_dir):
    rates = run_check(spike)
    assert {r["merchant_id"]: r["status"] for r in rates} == {"M_APPLE": "warn", "M_LENOVO": "pass"}

    box = read_outbox(data_dir)
    [msg] = [m for m in box if m["kind"] == "anomaly"]  # 联想 is inside its band: no alert
    assert len(box) == 1
    assert_complete(msg["text"])
    assert msg["channel"] == "#outfield-churn" and msg["dedupe_key"] == f"churn_rate:M_APPLE:{D}"

    # the same band is recorded in dq_check_results (threshold) for the finding
    [row] = spike.query_sql("SELECT value, threshold, status FROM dq_check_results "
                            "WHERE check_name = 'churn_rate' AND business_date = :d AND subject = 'M_APPLE'",
                            {"d": D})
    assert row["status"] == "warn" and row["value"] == pytest.approx(0.6)
    assert row["threshold"] == "[0.0211, 0.3789] (expected 0.2000, n=4)"


def test_anomaly_posted_to_slack_carries_the_same_content(spike, fake_slack, data_dir):
    run_check(spike)
    [msg] = fake_slack.messages
    assert msg["channel"] == "#outfield-churn"
    assert_complete(msg["text"])
    assert read_outbox(data_dir) == []
