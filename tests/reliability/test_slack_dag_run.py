"""Slack failure modes at the level of a real DAG run: ``airflow dags test churn_callback_daily`` with
``AIRFLOW_CONN_SLACK_API_DEFAULT`` pointing at the fake Slack (tests/alerts/fake_slack.py).

Run 1: the fake answers HTTP 500 to everything. The run succeeds; the digest and the churn_rate anomaly
(a churn spike injected at 联想 on D) are each tried 1 + alerts.max_retries times, then land in the
outbox with one log line each. Run 2 of the same date: the token is refused (``invalid_auth``). The
run succeeds; the digest lands in the outbox again, the anomaly is suppressed (its dedupe key was
claimed by run 1: the suppression window holds across runs and processes).

The function-level modes are tested in tests/alerts/test_send.py: server down
(``test_server_down_goes_to_outbox``), 429 with Retry-After then sent or outboxed
(``test_rate_limited_then_sent_after_retry``, ``test_rate_limited_past_retries_goes_to_outbox``),
HTTP 500 (``test_server_error_persistent_goes_to_outbox_with_one_log_line``), invalid token
(``test_invalid_auth_goes_to_outbox``, ``test_wrong_token_is_refused_by_the_fake``), missing token or
connection; suppression across processes in tests/alerts/test_suppression.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from outfield.demo import defects
from outfield.warehouse import Warehouse
from tests.alerts.conftest import KNOWN_CHANNELS, slack_conn_json
from tests.alerts.fake_slack import FakeSlack
from tests.reliability.conftest import D, copy_of, pinned_config

pytestmark = pytest.mark.e2e
LOGICAL = "2026-06-26T00:00:00+00:00"  # 08:00 Asia/Shanghai on D+1: the DAG derives D itself
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _airflow(args, env, timeout=300):
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _outbox(data: Path) -> list[dict]:
    path = data / "alerts" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def test_slack_500_then_invalid_token_runs_succeed_alerts_in_outbox(airflow_db, clean_base, tmp_path):
    path = copy_of(clean_base[0], tmp_path)
    with Warehouse.duckdb(path) as wh:
        defects.inject(wh, "churn_spike", D, merchant="M_LENOVO")
    data = tmp_path / "data"
    config = tmp_path / "outfield.yaml"
    config.write_text(yaml.safe_dump(pinned_config(), allow_unicode=True), encoding="utf-8")
    env = os.environ.copy()
    env.update({
        "OUTFIELD_DATA_DIR": str(data),
        "OUTFIELD_CONFIG": str(config),
        "AIRFLOW_CONN_WAREHOUSE": json.dumps({"conn_type": "duckdb", "host": str(path)}),
        "OUTFIELD_DEADLINE_ALERTS": "off",  # dags test in 3.3.2 cannot finish a run with a deadline
    })
    with FakeSlack(channels=KNOWN_CHANNELS) as fake:
        env["AIRFLOW_CONN_SLACK_API_DEFAULT"] = slack_conn_json(fake.base_url)
        fake.fail_always("500")
        first = _airflow(["dags", "test", "churn_callback_daily", LOGICAL], env)
        out1 = first.stdout + first.stderr
        assert first.returncode == 0, out1[-4000:]
        posts1 = fake.calls("chat.postMessage")
        box1 = _outbox(data)

        fake.fail_always("invalid_auth")
        second = _airflow(["dags", "test", "churn_callback_daily", LOGICAL], env)
        out2 = second.stdout + second.stderr
        assert second.returncode == 0, out2[-4000:]
        posts2 = fake.calls("chat.postMessage")[len(posts1):]
    box2 = _outbox(data)[len(box1):]

    # run 1: every message tried twice (max_retries 1), refused with 500, then outboxed
    kinds1 = sorted(m["kind"] for m in box1)
    assert kinds1 == ["anomaly", "digest"], [m["text"][:200] for m in box1]
    assert len(posts1) == 2 * len(box1) and {r.status for r in posts1} == {500}
    assert all("HTTP 500" in m["reason"] for m in box1)
    [anomaly] = [m for m in box1 if m["kind"] == "anomaly"]
    assert anomaly["text"].startswith(f":warning: churn_rate anomaly on {D} at M_LENOVO: ")
    assert anomaly["channel"] == "#outfield-churn" and anomaly["dedupe_key"] == f"churn_rate:M_LENOVO:{D}"
    [digest] = [m for m in box1 if m["kind"] == "digest"]
    assert f"churn callback list for {D} is ready" in digest["text"] and "/dags/churn_callback_daily/runs/" in digest["text"]

    # run 2: the refused token; the anomaly is suppressed (claimed by run 1), the digest outboxed again
    assert [m["kind"] for m in box2] == ["digest"], [m["text"][:200] for m in box2]
    assert "invalid_auth" in box2[0]["reason"]
    assert len(posts2) == 1 and posts2[0].params["text"] == box2[0]["text"]  # not retried, one call
    assert "suppressed" in out2 and f"churn_rate:M_LENOVO:{D}" in out2

    # one log line per undelivered message (dags test runs the tasks in its own process and logs to
    # its output; a scheduled run writes the same line to the task's log file)
    def lines(out: str, kind: str, why: str) -> list[str]:
        return [ln for ln in out.splitlines() if f"Slack {kind} for churn_callback_daily not delivered to "
                f"#outfield-churn (Slack API error " in ln and why in ln]

    assert len(lines(out1, "digest", "(HTTP 500))")) == 1
    assert len(lines(out1, "anomaly", "(HTTP 500))")) == 1
    assert len(lines(out2, "digest", "invalid_auth")) == 1
    assert lines(out2, "anomaly", "") == []

    for text in (out1, out2, json.dumps(box1 + box2, ensure_ascii=False)):
        assert not PHONE.search(text)
        assert "xoxb-" not in text  # the token is never logged
