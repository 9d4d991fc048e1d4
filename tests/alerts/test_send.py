"""send_alert through the real slack_sdk WebClient against the fake Slack, and its outbox fallback."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from outfield import alerts
from tests.alerts.conftest import ROOT_PLUGINS, alert_records, read_outbox


def test_message_arrives_at_configured_channel(fake_slack, data_dir):
    result = alerts.send_alert("churn_callback_daily", "churn list ready: 42 rows")
    assert result == "sent"
    [msg] = fake_slack.messages
    assert msg["channel"] == "#outfield-churn"
    assert msg["text"] == "churn list ready: 42 rows"
    [req] = fake_slack.calls("chat.postMessage")
    assert req.delivered_to == fake_slack.channel_id("#outfield-churn")
    assert req.headers["Authorization"] == "Bearer xoxb-test-not-a-real-token"
    assert read_outbox(data_dir) == []


def test_channel_routing():
    assert alerts.channel_for("data_calibration_daily") == "#outfield-dq"
    assert alerts.channel_for("campaign_crowd_618") == "#outfield-campaigns"
    assert alerts.channel_for("campaign_crowd") == "#outfield-campaigns"
    assert alerts.channel_for("some_other_dag") == "#outfield-alerts"


def test_channel_routing_defaults_without_config(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTFIELD_CONFIG", str(tmp_path / "missing.yaml"))
    assert alerts.channel_for("churn_callback_daily") == alerts.DEFAULT_CHANNEL


def test_crowd_dag_routes_to_campaign_channel(fake_slack):
    assert alerts.send_alert("campaign_crowd_618", "crowd built") == "sent"
    assert fake_slack.messages[0]["channel"] == "#outfield-campaigns"


def test_blocks_and_context_fields(fake_slack):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*churn_rate* out of band"}}]
    result = alerts.send_alert("data_calibration_daily", "churn_rate anomaly", kind="anomaly", blocks=blocks,
                               context_fields={"merchant": "M001", "value": "0.31", "expected": "0.10-0.18"})
    assert result == "sent"
    [msg] = fake_slack.messages
    assert "*merchant*: M001" in msg["text"] and "*expected*: 0.10-0.18" in msg["text"]
    assert msg["blocks"][0] == blocks[0]
    assert msg["blocks"][-1]["type"] == "section" and len(msg["blocks"][-1]["fields"]) == 3
    assert len(blocks) == 1  # the caller's list is not modified


def test_rate_limited_then_sent_after_retry(fake_slack, data_dir):
    fake_slack.fail_next("429", 1)
    assert alerts.send_alert("churn_callback_daily", "after a 429") == "sent"
    reqs = fake_slack.calls("chat.postMessage")
    assert [r.status for r in reqs] == [429, 200]
    assert len(fake_slack.messages) == 1
    assert read_outbox(data_dir) == []


def test_rate_limited_past_retries_goes_to_outbox(fake_slack, data_dir):
    fake_slack.fail_always("429")
    assert alerts.send_alert("churn_callback_daily", "still limited") == "outbox"
    assert len(fake_slack.calls("chat.postMessage")) == 2  # first try + max_retries (1 in the test config)
    [line] = read_outbox(data_dir)
    assert "ratelimited" in line["reason"] and "429" in line["reason"]


def test_server_error_persistent_goes_to_outbox_with_one_log_line(fake_slack, data_dir, caplog):
    fake_slack.fail_always("500")
    with caplog.at_level(logging.INFO, logger="outfield"):
        assert alerts.send_alert("data_calibration_daily", "dq run finished") == "outbox"
    assert len(fake_slack.calls("chat.postMessage")) == 2  # retried once, then gave up
    [line] = read_outbox(data_dir)
    assert line["text"] == "dq run finished" and "HTTP 500" in line["reason"]
    records = alert_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    message = records[0].getMessage()
    assert "\n" not in message and "dq run finished" in message and "outbox" in message
    assert not [r for r in caplog.records if r.name.startswith("slack_sdk") or r.name == "outfield.slack_sdk"]


def test_server_down_goes_to_outbox(slack_down, data_dir, caplog):
    with caplog.at_level(logging.INFO, logger="outfield"):
        assert alerts.send_alert("churn_callback_daily", "nobody listening") == "outbox"
    [line] = read_outbox(data_dir)
    assert line["channel"] == "#outfield-churn"
    assert "URLError" in line["reason"] or "refused" in line["reason"].lower()
    assert len(alert_records(caplog)) == 1


def test_invalid_auth_goes_to_outbox(fake_slack, data_dir):
    fake_slack.fail_next("invalid_auth")
    assert alerts.send_alert("churn_callback_daily", "bad token") == "outbox"
    assert len(fake_slack.calls("chat.postMessage")) == 1  # not retried
    [line] = read_outbox(data_dir)
    assert "invalid_auth" in line["reason"]


def test_wrong_token_is_refused_by_the_fake(fake_slack, data_dir, monkeypatch):
    from tests.alerts.conftest import CONN_ENV, slack_conn_json

    monkeypatch.setenv(CONN_ENV, slack_conn_json(fake_slack.base_url, token="xoxb-wrong"))
    assert alerts.send_alert("churn_callback_daily", "wrong token") == "outbox"
    assert "invalid_auth" in read_outbox(data_dir)[0]["reason"]


def test_channel_not_found_goes_to_outbox(fake_slack, data_dir):
    assert alerts.send_alert("nowhere_daily", "to an unknown channel") == "outbox"
    [line] = read_outbox(data_dir)
    assert line["channel"] == "#no-such-channel" and "channel_not_found" in line["reason"]


def test_no_connection_writes_outbox_line(data_dir, caplog):
    with caplog.at_level(logging.INFO, logger="outfield"):
        result = alerts.send_alert("churn_callback_daily", "第一行\n第二行", kind="digest", dedupe_key="digest:2026-06-10")
    assert result == "outbox"
    lines = (data_dir / "alerts" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {"ts", "pipeline", "channel", "kind", "text", "dedupe_key", "reason"}
    assert record["pipeline"] == "churn_callback_daily"
    assert record["channel"] == "#outfield-churn"
    assert record["kind"] == "digest"
    assert record["text"] == "第一行\n第二行"
    assert record["dedupe_key"] == "digest:2026-06-10"
    assert "slack_api_default" in record["reason"]
    assert record["ts"].endswith("+00:00")
    [rec] = alert_records(caplog)
    assert rec.levelno == logging.WARNING and "第一行 | 第二行" in rec.getMessage()


def test_connection_without_token_goes_to_outbox(data_dir, monkeypatch):
    from tests.alerts.conftest import CONN_ENV

    monkeypatch.setenv(CONN_ENV, json.dumps({"conn_type": "slack"}))
    assert alerts.send_alert("churn_callback_daily", "no token") == "outbox"
    assert "no token" in read_outbox(data_dir)[0]["reason"]


def test_connection_as_uri(fake_slack, monkeypatch):
    from urllib.parse import quote

    from tests.alerts.conftest import CONN_ENV

    monkeypatch.setenv(CONN_ENV, f"slack://:xoxb-test-not-a-real-token@/?base_url={quote(fake_slack.base_url, safe='')}")
    assert alerts.send_alert("churn_callback_daily", "via URI") == "sent"


def test_unexpected_error_never_raises(fake_slack, data_dir, monkeypatch):
    def broken_client():
        raise RuntimeError("boom")

    monkeypatch.setattr(alerts, "_client", broken_client)
    assert alerts.send_alert("churn_callback_daily", "still fine") == "outbox"
    assert "RuntimeError" in read_outbox(data_dir)[0]["reason"]


def test_outbox_unwritable_still_never_raises(data_dir, monkeypatch, caplog):
    (data_dir / "alerts").mkdir()
    (data_dir / "alerts" / "outbox.jsonl").mkdir()  # a directory where the file should be
    with caplog.at_level(logging.INFO, logger="outfield"):
        assert alerts.send_alert("churn_callback_daily", "nowhere to write") == "outbox"
    [rec] = alert_records(caplog)
    assert "NOT written" in rec.getMessage() and "nowhere to write" in rec.getMessage()


def test_import_is_cheap():
    code = ("import sys, outfield.alerts; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('airflow', 'slack_sdk')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT_PLUGINS), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_format_digest_and_run_link(monkeypatch):
    text = alerts.format_digest("Churn list 2026-06-10", ["rows: 42", "Apple: 12.5 %"], link="http://x/y")
    assert text == "*Churn list 2026-06-10*\n• rows: 42\n• Apple: 12.5 %\n<http://x/y|Open in Airflow>"
    assert alerts.format_digest("Empty", []) == "*Empty*\n• (nothing to report)"

    class Run:
        dag_id = "churn_callback_daily"
        run_id = "scheduled__2026-06-11T00:00:00+00:00"

    context = {"dag_run": Run()}
    assert alerts.run_link(context) == (
        "http://localhost:8080/dags/churn_callback_daily/runs/scheduled__2026-06-11T00%3A00%3A00%2B00%3A00")
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com/")
    assert alerts.run_link(context).startswith("https://airflow.example.com/dags/churn_callback_daily/runs/")


def test_env_fallback_when_connection_lookup_breaks(fake_slack, monkeypatch):
    """Connection.get failing for another reason than "not defined": the env var is parsed directly."""
    from airflow.sdk import Connection

    def broken_get(cls, conn_id):
        raise RuntimeError("no supervisor comms")

    monkeypatch.setattr(Connection, "get", classmethod(broken_get))
    assert alerts.send_alert("churn_callback_daily", "via env fallback") == "sent"
    assert fake_slack.messages[0]["text"] == "via env fallback"
