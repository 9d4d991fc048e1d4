"""dedupe_key suppression: within the window, across processes, expiry and pruning, concurrency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from outfield import alerts
from tests.alerts.conftest import ROOT_PLUGINS, read_outbox


def test_same_key_suppressed_other_key_sent(fake_slack):
    assert alerts.send_alert("data_calibration_daily", "store_city warn M001", dedupe_key="store_city:M001") == "sent"
    assert alerts.send_alert("data_calibration_daily", "store_city warn M001", dedupe_key="store_city:M001") == "suppressed"
    assert alerts.send_alert("data_calibration_daily", "store_city warn M002", dedupe_key="store_city:M002") == "sent"
    assert alerts.send_alert("data_calibration_daily", "no key: always sent") == "sent"
    assert alerts.send_alert("data_calibration_daily", "no key: always sent") == "sent"
    assert [m["text"] for m in fake_slack.messages] == [
        "store_city warn M001", "store_city warn M002", "no key: always sent", "no key: always sent"]


def test_outboxed_key_counts_as_sent(data_dir):
    assert alerts.send_alert("churn_callback_daily", "late table", dedupe_key="late:fact_trial") == "outbox"
    assert alerts.send_alert("churn_callback_daily", "late table", dedupe_key="late:fact_trial") == "suppressed"
    assert len(read_outbox(data_dir)) == 1


def test_suppression_expires_after_window_and_old_keys_are_pruned(fake_slack, data_dir, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(alerts, "_now", lambda: now[0])
    assert alerts.send_alert("churn_callback_daily", "a", dedupe_key="k1") == "sent"
    now[0] += 3599  # the test config's window is 1 hour
    assert alerts.send_alert("churn_callback_daily", "a", dedupe_key="k1") == "suppressed"
    now[0] += 2  # 3601 s after the first send
    assert alerts.send_alert("churn_callback_daily", "a", dedupe_key="k1") == "sent"
    assert len(fake_slack.messages) == 2

    assert alerts.send_alert("churn_callback_daily", "b", dedupe_key="k2") == "sent"
    now[0] += 7200
    assert alerts.send_alert("churn_callback_daily", "c", dedupe_key="k3") == "sent"
    state = json.loads((data_dir / "alerts" / "suppression.json").read_text(encoding="utf-8"))
    assert set(state["keys"]) == {"k3"}  # k1 and k2 pruned


def test_corrupt_state_file_is_replaced(fake_slack, data_dir):
    (data_dir / "alerts").mkdir()
    (data_dir / "alerts" / "suppression.json").write_text("{not json", encoding="utf-8")
    assert alerts.send_alert("churn_callback_daily", "x", dedupe_key="k") == "sent"
    assert alerts.send_alert("churn_callback_daily", "x", dedupe_key="k") == "suppressed"


def _run_in_new_process(key: str) -> str:
    code = ("from outfield.alerts import send_alert; "
            f"print(send_alert('churn_callback_daily', 'from a separate run', dedupe_key={key!r}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT_PLUGINS)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_suppression_holds_across_separate_processes(fake_slack):
    # the fixture put the fake Slack's connection and the fresh data dir into os.environ
    assert _run_in_new_process("churn_rate:M001:2026-06-10") == "sent"
    assert _run_in_new_process("churn_rate:M001:2026-06-10") == "suppressed"
    assert len(fake_slack.messages) == 1


def test_concurrent_senders_send_once(fake_slack):
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(alerts.send_alert("data_calibration_daily", "same finding", dedupe_key="same"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["sent"] + ["suppressed"] * 7
    assert len(fake_slack.messages) == 1


def test_zero_window_disables_suppression(fake_slack, alerts_config):
    alerts_config.write_text("alerts:\n  suppression_hours: 0\n", encoding="utf-8")
    os.utime(alerts_config, (1, 1))  # a different mtime: config.settings() re-reads the file
    assert alerts.send_alert("churn_callback_daily", "x", dedupe_key="k") == "sent"
    assert alerts.send_alert("churn_callback_daily", "x", dedupe_key="k") == "sent"


def test_findings_are_grouped_and_suppressed_per_key(fake_slack):
    first = alerts.send_findings("data_calibration_daily", "数据校准 findings for 2026-06-10",
                                 [("store_city:M_APPLE", "store_city M_APPLE 20.0% > 5%"),
                                  ("funnel_monotonic:S1", "funnel S1: 3 pass < 5 orders")], link="http://x/run")
    assert first["status"] == "sent" and len(first["sent_keys"]) == 2
    assert len(fake_slack.messages) == 1  # one message per run
    assert "store_city M_APPLE" in fake_slack.messages[0]["text"] and "funnel S1" in fake_slack.messages[0]["text"]
    assert "Runbook: docs/operations.md#data-calibration-findings" in fake_slack.messages[0]["text"]

    second = alerts.send_findings("data_calibration_daily", "数据校准 findings for 2026-06-11",
                                  [("store_city:M_APPLE", "store_city M_APPLE 21.0% > 5%"),
                                   ("source_volume:fact_txn", "fact_txn volume 40% of expected")])
    assert second["sent_keys"] == ["source_volume:fact_txn"]
    assert second["suppressed_keys"] == ["store_city:M_APPLE"]
    assert len(fake_slack.messages) == 2
    assert "store_city" not in fake_slack.messages[1]["text"].split("(")[0]
    assert "1 more finding" in fake_slack.messages[1]["text"]

    third = alerts.send_findings("data_calibration_daily", "again", [("store_city:M_APPLE", "same")])
    assert third["status"] == "suppressed" and len(fake_slack.messages) == 2
    assert alerts.send_findings("data_calibration_daily", "nothing", [])["status"] == "empty"
