"""failure_callback: the content of a task-failure alert, built from an Airflow 3 task-SDK-like context."""

from __future__ import annotations

import datetime as dt

from outfield import alerts
from tests.alerts.conftest import read_outbox

LOG_URL = ("http://localhost:8080/dags/churn_callback_daily/runs/scheduled__2026-06-11T00%3A00%3A00%2B00%3A00"
           "/tasks/build_list?try_number=2")


class FakeTI:
    """The attributes of ``airflow.sdk`` RuntimeTaskInstance that the callback reads."""

    def __init__(self, dag_id="churn_callback_daily", task_id="build_list", try_number=2, max_tries=1,
                 run_id="scheduled__2026-06-11T00:00:00+00:00", log_url=LOG_URL):
        self.dag_id, self.task_id, self.try_number, self.max_tries = dag_id, task_id, try_number, max_tries
        self.run_id, self.log_url, self.map_index = run_id, log_url, -1


class FakeDagRun:
    def __init__(self, dag_id="churn_callback_daily", run_id="scheduled__2026-06-11T00:00:00+00:00",
                 logical_date=dt.datetime(2026, 6, 11, tzinfo=dt.UTC)):
        self.dag_id, self.run_id, self.logical_date = dag_id, run_id, logical_date
        self.run_after = logical_date


def _error() -> Exception:
    try:
        raise RuntimeError("source table fact_trial has no rows for 2026-06-10\nwaited 7200 s\ntraceback-ish detail")
    except RuntimeError as exc:
        return exc


def test_failure_message_content(fake_slack):
    ti = FakeTI()
    context = {"ti": ti, "task_instance": ti, "dag_run": FakeDagRun(), "run_id": ti.run_id,
               "exception": _error(), "params": {"business_date": "2026-06-10", "cooldown_days": 7},
               "logical_date": dt.datetime(2026, 6, 11, tzinfo=dt.UTC)}
    assert alerts.failure_callback(context) is None
    [msg] = fake_slack.messages
    text = msg["text"]
    assert msg["channel"] == "#outfield-churn"
    assert "*DAG*: churn_callback_daily" in text
    assert "*Task*: build_list" in text
    assert "*Business date*: 2026-06-10" in text
    assert "*Try*: 2 of 2" in text
    assert "*Error*: RuntimeError: source table fact_trial has no rows for 2026-06-10" in text
    assert "waited 7200 s" not in text  # first line only
    assert LOG_URL in text
    assert "/dags/churn_callback_daily/runs/scheduled__2026-06-11T00%3A00%3A00%2B00%3A00" in text  # run link
    assert "*Runbook*: docs/operations.md#task-failure" in text


def test_business_date_from_logical_date_without_param(fake_slack):
    context = {"ti": FakeTI(), "dag_run": FakeDagRun(logical_date=dt.datetime(2026, 6, 11, 16, 30, tzinfo=dt.UTC)),
               "exception": KeyError("merchant_id"), "params": {}}
    alerts.failure_callback(context)
    text = fake_slack.messages[0]["text"]
    assert "*Business date*: 2026-06-11" in text  # 16:30Z is 00:30 on the 12th in Shanghai
    assert "*Error*: KeyError: 'merchant_id'" in text


def test_crowd_dag_shows_as_of_date(fake_slack):
    ti = FakeTI(dag_id="campaign_crowd_618", task_id="build_crowd", try_number=1, max_tries=0)
    context = {"ti": ti, "dag_run": FakeDagRun(dag_id="campaign_crowd_618"), "exception": ValueError("bad yaml"),
               "params": {"as_of_date": "2026-06-18"}}
    alerts.failure_callback(context)
    [msg] = fake_slack.messages
    assert msg["channel"] == "#outfield-campaigns"
    assert "*As-of date*: 2026-06-18" in msg["text"] and "*Try*: 1 of 1" in msg["text"]


def test_invalid_business_date_param_does_not_break_the_alert(fake_slack):
    context = {"ti": FakeTI(), "dag_run": FakeDagRun(), "exception": ValueError("x"),
               "params": {"business_date": "2026-13-45"}}
    alerts.failure_callback(context)
    assert "*Business date*: unknown (DateParamError" in fake_slack.messages[0]["text"]


def test_every_failure_is_sent(fake_slack):
    context = {"ti": FakeTI(), "dag_run": FakeDagRun(), "exception": ValueError("same"), "params": {}}
    alerts.failure_callback(context)
    alerts.failure_callback(context)
    assert len(fake_slack.messages) == 2


def test_failure_callback_never_raises(data_dir):
    class Exploding:
        dag_id = "churn_callback_daily"
        task_id = "t"

        @property
        def try_number(self):
            raise RuntimeError("no try number")

        @property
        def log_url(self):
            raise RuntimeError("no conf")

    assert alerts.failure_callback({}) is None
    assert alerts.failure_callback({"ti": Exploding(), "exception": "a plain string error"}) is None
    assert alerts.failure_callback(None) is None  # type: ignore[arg-type]
    lines = read_outbox(data_dir)  # no connection in this test: everything went to the outbox
    assert len(lines) == 3 and all(line["kind"] == "failure" for line in lines)
    assert "a plain string error" in lines[1]["text"]


def test_failure_with_slack_down_goes_to_outbox(slack_down, data_dir):
    alerts.failure_callback({"ti": FakeTI(), "dag_run": FakeDagRun(), "exception": _error(), "params": {}})
    [line] = read_outbox(data_dir)
    assert line["pipeline"] == "churn_callback_daily" and line["kind"] == "failure"
    assert "RuntimeError: source table fact_trial" in line["text"] and line["dedupe_key"] is None
