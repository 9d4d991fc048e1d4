"""No full mobile number leaves: Slack, outbox, log."""

from __future__ import annotations

import logging
import re

import pytest

from outfield import alerts
from tests.alerts.conftest import alert_records, read_outbox

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.mark.parametrize(("text", "expected"), [
    ("13812345678", "138****5678"),
    ("用户13812345678未下单", "用户138****5678未下单"),
    ("tel:19912345678; alt 15000000000.", "tel:199****5678; alt 150****0000."),
    ("+8613812345678 and +86 13812345678", "+86138****5678 and +86 138****5678"),
    ("order 2026061013812345678", "order 2026061013812345678"),  # part of a longer digit run
    ("138123456789", "138123456789"),  # 12 digits
    ("12345678901", "12345678901"),  # 12x is not a mobile prefix
    ("1381234567", "1381234567"),  # 10 digits
    ("138****5678", "138****5678"),
    ("", ""),
])
def test_mask_phones_in_text(text, expected):
    assert alerts.mask_phones_in_text(text) == expected


def test_mask_non_string_passes_through():
    assert alerts.mask_phones_in_text(None) is None


def test_no_phone_reaches_slack(fake_slack):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "call 13912345678 first"}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": "backup 15812345678"}]}]
    result = alerts.send_alert("churn_callback_daily", "user 13812345678 churned", blocks=blocks,
                               context_fields={"phone": "18612345678"}, dedupe_key="user:13812345678")
    assert result == "sent"
    sent = fake_slack.all_bytes().decode("utf-8")
    assert not PHONE.search(sent), sent
    [msg] = fake_slack.messages
    assert "138****5678" in msg["text"] and "186****5678" in msg["text"]
    assert msg["blocks"][0]["text"]["text"] == "call 139****5678 first"
    assert msg["blocks"][1]["elements"][0]["text"] == "backup 158****5678"
    assert blocks[0]["text"]["text"] == "call 13912345678 first"  # caller's blocks untouched


def test_no_phone_in_outbox_state_or_log(data_dir, caplog):
    with caplog.at_level(logging.INFO, logger="outfield"):
        result = alerts.send_alert("churn_callback_daily", "user 13812345678 churned", dedupe_key="user:13812345678",
                                   context_fields={"phone": "18612345678"})
    assert result == "outbox"
    for path in (data_dir / "alerts").iterdir():
        assert not PHONE.search(path.read_text(encoding="utf-8")), path
    [line] = read_outbox(data_dir)
    assert "138****5678" in line["text"] and line["dedupe_key"] == "user:138****5678"
    for rec in alert_records(caplog):
        assert not PHONE.search(rec.getMessage())
    assert not PHONE.search(caplog.text)


def test_failure_message_is_masked(fake_slack):
    class TI:
        dag_id, task_id, try_number, run_id = "churn_callback_daily", "export_csv", 1, "manual__1"
        log_url = "http://localhost:8080/log"

    alerts.failure_callback({"ti": TI(), "exception": ValueError("bad phone 13812345678 in row"),
                             "params": {"business_date": "2026-06-10"}})
    assert not PHONE.search(fake_slack.all_bytes().decode("utf-8"))
    assert "138****5678" in fake_slack.messages[0]["text"]
