"""The run's grouped alert: one message, each finding with its number, band and the run link; a
re-run of the same business date within the suppression window sends nothing new (state kept in the
data folder between runs), another date's findings are its own; Slack is not connected, so messages
land in the outbox."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from outfield import calibration
from tests.calibration.data import ORDERS, STORES, D, order
from tests.helpers import insert

LINK = "http://localhost:8080/dags/data_calibration_daily/runs/manual__2026-06-11"


def run_all(wh, d=D):
    calibration.calibrate_store_city(wh, d)
    calibration.check_funnel(wh, d)
    calibration.check_freshness_volume(wh, d)
    calibration.check_keys_and_nulls(wh, d)
    calibration.check_gross_margin(wh, d)
    return calibration.alert_findings(wh, d, LINK)


def outbox(data_dir):
    path = data_dir / "alerts" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


@pytest.fixture()
def loaded(wh):
    insert(wh, "dim_store", STORES)
    insert(wh, "fact_order", ORDERS)
    return wh


def test_one_message_per_run_with_numbers_band_and_link(loaded, data_dir):
    outcome = run_all(loaded)
    assert outcome["status"] == "outbox"
    messages = outbox(data_dir)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert messages[0]["pipeline"] == "data_calibration_daily" and messages[0]["kind"] == "findings"
    assert LINK in text
    assert "数据校准 data calibration 2026-06-10" in text
    # store_city: Apple's unresolved share, its number and the threshold
    assert "store_city" in text and "`M_APPLE` unresolved_amount_share = 0.25; expected <= 0.05" in text
    # gross margin: Lenovo below the default floor 0
    assert "gross_margin_floor" in text and "`M_LENOVO` gross_margin_7d = -10; expected >= 0" in text
    # freshness: no trial/txn/event rows on D
    assert "`fact_trial` rows_of_day = 0; expected > 0" in text
    # the shop listed twice in dim_store
    assert "`dim_store` duplicate_rows = 1; expected 0" in text
    # orders on D at shops without any transaction (no fact_txn rows at all here)
    assert "`A1` stage_excess_users = 1" in text and "order_users=1" in text
    stored = calibration.findings_of_day(loaded, D)
    assert sorted(outcome["sent_keys"]) == sorted(
        calibration.dedupe_key(r["check_name"], r["subject"], r["metric"], D) for r in stored)
    assert "store_city:M_APPLE:unresolved_amount_share:2026-06-10" in outcome["sent_keys"]
    assert outcome["findings"] == len(stored)
    # fails are listed before warns
    lines = [line for line in text.splitlines() if line.startswith("•")]
    statuses = ["FAIL" if " FAIL " in line else "WARN" for line in lines]
    assert statuses == sorted(statuses)  # "FAIL" < "WARN"


def test_a_rerun_of_the_date_sends_nothing_new_for_the_same_findings(loaded, data_dir):
    first = run_all(loaded)
    assert first["status"] == "outbox" and first["sent_keys"]
    assert (data_dir / "alerts" / "suppression.json").exists()  # the state survives the run

    second = run_all(loaded)  # D re-run (a retry, a manual re-run): the same findings of the same date
    assert second["status"] == "suppressed"
    assert second["sent_keys"] == []
    assert sorted(second["suppressed_keys"]) == sorted(first["sent_keys"])
    assert len(outbox(data_dir)) == 1

    # new defects on a third run are sent alone; the old ones stay suppressed, even where the number
    # changed (Lenovo's margin drops further: the same finding, not a new one)
    insert(loaded, "fact_order", [order("O_NEW", "L1", "2026-06-10 09:00", 50.0, gross_margin=-5000.0),
                                  order("O_NEW", "L1", "2026-06-10 09:00", 50.0, gross_margin=-5000.0)])
    third = run_all(loaded)
    assert third["status"] == "outbox"
    assert sorted(third["sent_keys"]) == ["funnel_monotonic:L1:stage_excess_users:2026-06-10",
                                          "primary_key:fact_order:duplicate_rows:2026-06-10"]
    assert "gross_margin_floor:M_LENOVO:gross_margin_7d:2026-06-10" in third["suppressed_keys"]
    messages = outbox(data_dir)
    assert len(messages) == 2
    assert "`L1` stage_excess_users" in messages[1]["text"] and "gross_margin_floor" not in messages[1]["text"]


def test_a_new_finding_is_sent_alone(loaded, data_dir, calibration_config):
    run_all(loaded)
    calibration_config("calibration", "gross_margin_floor", {"M_DJI": 10})  # DJI: 0 < 10 from now on
    again = run_all(loaded)
    assert again["sent_keys"] == ["gross_margin_floor:M_DJI:gross_margin_7d:2026-06-10"]
    messages = outbox(data_dir)
    assert len(messages) == 2
    assert "M_DJI" in messages[1]["text"] and "M_LENOVO" not in messages[1]["text"]
    assert "already alerted" in messages[1]["text"]


def test_each_business_date_is_alerted_once_even_within_the_window(loaded, data_dir):
    # a backfill: D, then D+1 minutes later. fact_trial has no rows on either day: two late days,
    # two findings, both alerted (a date-less key used to hide the second inside the window)
    first = run_all(loaded)
    nxt = D + dt.timedelta(days=1)
    second = run_all(loaded, nxt)
    assert "source_freshness:fact_trial:rows_of_day:2026-06-10" in first["sent_keys"]
    assert "source_freshness:fact_trial:rows_of_day:2026-06-11" in second["sent_keys"]
    assert second["suppressed_keys"] == []  # nothing of D+1 was alerted before
    messages = outbox(data_dir)
    assert len(messages) == 2 and "数据校准 data calibration 2026-06-11" in messages[1]["text"]
    assert "`fact_trial` rows_of_day = 0" in messages[1]["text"]
    # and re-running D now still repeats nothing
    assert run_all(loaded)["status"] == "suppressed" and len(outbox(data_dir)) == 2


def test_no_findings_no_message(wh, data_dir):
    outcome = calibration.alert_findings(wh, D, LINK)
    assert outcome["status"] == "empty"
    assert outbox(data_dir) == []


def test_checks_that_could_not_run_are_named_in_the_message(loaded, data_dir):
    calibration.check_gross_margin(loaded, D)
    outcome = calibration.alert_findings(loaded, D, LINK, incomplete=["primary_key_not_null"])
    assert outcome["status"] == "outbox"
    assert "(not checked: primary_key_not_null)" in outbox(data_dir)[0]["text"]
