"""The churn list's deadline alert: the callback the triggerer runs when the list is late."""

from __future__ import annotations

import asyncio
import datetime as dt

from outfield.deadlines import not_ready_alert
from tests.alerts.conftest import read_outbox


def test_not_ready_alert_reaches_slack(fake_slack):
    context = {"dag_run": {"dag_id": "churn_callback_daily", "run_id": "scheduled__2026-06-11T00:00:00+00:00",
                           "state": "running"},
               "deadline": {"id": "x", "deadline_time": dt.datetime(2026, 6, 11, 1, 0, tzinfo=dt.UTC)}}
    status = asyncio.run(not_ready_alert("churn_callback_daily", "The churn callback list", "09:00", context=context))
    assert status == "sent"
    text = fake_slack.messages[0]["text"]
    assert fake_slack.messages[0]["channel"] == "#outfield-churn"
    assert "not ready by 09:00" in text and "scheduled__2026-06-11T00:00:00+00:00" in text and "running" in text


def test_not_ready_alert_without_slack_goes_to_outbox(data_dir):
    status = asyncio.run(not_ready_alert("churn_callback_daily", "The churn callback list", "09:00",
                                         context={"dag_run": {"run_id": "r1", "state": "running"}}))
    assert status == "outbox"
    assert read_outbox(data_dir)[0]["kind"] == "deadline"
