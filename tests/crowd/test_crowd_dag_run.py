"""Real Airflow runs of the example campaign DAG `campaign_crowd_c618_dandan_fan` (`airflow dags test`
on the session's temp AIRFLOW_HOME, a temp DuckDB warehouse, a temp data folder, Slack not connected).

The warehouse is the hand-made one of tests/crowd/test_crowd_rules.py; the example campaign has the
rules of its ``c_phone`` campaign (手机/电脑/平板, 90 days, rewards 20/15/10/5), so the answers worked
out there hold here: PHONE_A as of 2026-06-10, PHONE_A2 as of 2026-06-11.

`airflow dags test` always makes a *manual* run. For a scheduled-style run the same command runs
in-process with the run created as the scheduler would create it (run type ``scheduled``), so the
DAG sees exactly what it sees at 06:00 on a scheduled day.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from outfield import campaigns
from outfield.warehouse import Warehouse
from tests.crowd.test_crowd_rules import ORDERS, PHONE_A, PHONE_A2, REWARDS, USERS
from tests.helpers import insert

pytestmark = pytest.mark.e2e
DAG_ID = "campaign_crowd_c618_dandan_fan"
AIRFLOW = str(Path(sys.executable).parent / "airflow")

# `airflow dags test` with the DAG run created as type "scheduled" (dag.test() hard-codes "manual").
SCHEDULED_DAGS_TEST = """
import sys
from airflow.models.dagrun import DagRun
from airflow.serialization.definitions.dag import SerializedDAG
from airflow.utils.types import DagRunType

_create = SerializedDAG.create_dagrun

def _as_scheduled(self, *args, **kwargs):
    kwargs["run_type"] = DagRunType.SCHEDULED
    kwargs["run_id"] = DagRun.generate_run_id(run_type=DagRunType.SCHEDULED, logical_date=kwargs["logical_date"],
                                              run_after=kwargs["run_after"])
    return _create(self, *args, **kwargs)

SerializedDAG.create_dagrun = _as_scheduled
from airflow.__main__ import main
sys.argv = ["airflow", "dags", "test", *sys.argv[1:]]
main()
"""


def dags_test(env, *args, scheduled=False):
    cmd = [sys.executable, "-c", SCHEDULED_DAGS_TEST, DAG_ID, *args] if scheduled else [AIRFLOW, "dags", "test",
                                                                                          DAG_ID, *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    return result, result.stdout + result.stderr


@pytest.fixture()
def run_env(airflow_db, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = os.environ.copy()
    env["OUTFIELD_DATA_DIR"] = str(data)
    env["AIRFLOW_CONN_WAREHOUSE"] = json.dumps({"conn_type": "duckdb", "host": str(tmp_path / "wh.duckdb")})
    for var in ("AIRFLOW_CONN_SLACK_API_DEFAULT", "OUTFIELD_CAMPAIGNS_DIR", "OUTFIELD_CONFIG"):
        env.pop(var, None)
    with Warehouse.duckdb(tmp_path / "wh.duckdb") as wh:
        wh.create_source_tables()
        wh.ensure_tables()
        insert(wh, "dim_user", USERS)
        insert(wh, "fact_order", ORDERS)
    return env, tmp_path / "wh.duckdb", data


def query(path, sql, params=None):
    with Warehouse.duckdb(path) as wh:
        return wh.query_sql(sql, params or {})


def outbox(data):
    path = data / "alerts" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def segments(path, as_of):
    rows = query(path, "SELECT user_pin, segment FROM crowd_membership WHERE campaign_id = 'c618_dandan_fan' "
                       "AND as_of_date = CAST(:d AS DATE)", {"d": as_of})
    return {r["user_pin"]: r["segment"] for r in rows}


def test_example_campaign_has_the_rules_the_answers_assume():
    c = campaigns.load_campaign(campaigns.campaigns_dir() / "c618_dandan_fan.yaml")
    assert set(c.target_categories) == {"手机", "电脑", "平板"} and c.lookback_days == 90
    assert {k: float(v) for k, v in c.rewards.items()} == REWARDS
    assert c.start_date.isoformat() == "2026-06-01" and c.change_alert_threshold == pytest.approx(0.2)


def test_manual_run_with_as_of_date_then_scheduled_runs(run_env):
    env, wh_path, data = run_env

    # 1. a manual run given as_of_date (its logical date, in November, does not matter)
    result, out = dags_test(env, "2026-11-01T00:00:00+00:00", "-c", json.dumps({"as_of_date": "2026-06-10"}))
    assert result.returncode == 0, out[-4000:]
    assert segments(wh_path, "2026-06-10") == PHONE_A
    export = data / "exports" / "crowds" / "c618_dandan_fan" / "2026-06-10.csv"
    assert export.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(export.read_text("utf-8-sig").splitlines()))
    assert {r["user_pin"]: r["segment"] for r in rows} == PHONE_A
    assert {r["segment"]: r["reward_amount"] for r in rows}["active_target_90d"] == "5.00"
    digests = [m for m in outbox(data) if m["kind"] == "digest"]
    assert len(digests) == 1
    assert digests[0]["pipeline"] == DAG_ID and digests[0]["channel"] == "#outfield-campaigns"
    assert "as of 2026-06-10: 10 users, first build" in digests[0]["text"]
    assert "no_first_order 白条未首单: 3 users (first build), reward 20.00" in digests[0]["text"]

    # 2. a scheduled run outside the window: the 06:00 run of 2026-05-21 (before 2026-06-01) builds nothing
    result, out = dags_test(env, "2026-05-20T22:00:00+00:00", scheduled=True)
    assert result.returncode == 0, out[-4000:]
    assert "outside the campaign window 2026-06-01..2026-12-31" in out and "nothing built" in out, out[-6000:]
    assert query(wh_path, "SELECT COUNT(*) AS n FROM crowd_summary WHERE as_of_date <> DATE '2026-06-10'")[0]["n"] == 0
    assert not (data / "exports" / "crowds" / "c618_dandan_fan" / "2026-05-21.csv").exists()
    assert len([m for m in outbox(data) if m["kind"] == "digest"]) == 1  # no new digest

    # 3. the scheduled 06:00 run of 2026-06-11 (logical date 2026-06-10T22:00Z): A = 2026-06-11
    result, out = dags_test(env, "2026-06-10T22:00:00+00:00", scheduled=True)
    assert result.returncode == 0, out[-4000:]
    assert segments(wh_path, "2026-06-11") == PHONE_A2
    assert segments(wh_path, "2026-06-10") == PHONE_A  # the earlier build is untouched
    summary = query(wh_path, "SELECT segment, users, prev_users FROM crowd_summary "
                             "WHERE as_of_date = DATE '2026-06-11' ORDER BY segment")
    assert {r["segment"]: (r["users"], r["prev_users"]) for r in summary} == {
        "no_first_order": (2, 3), "inactive_90d": (2, 1), "inactive_target_90d": (3, 3), "active_target_90d": (4, 3)}
    messages = outbox(data)
    digest = [m for m in messages if m["kind"] == "digest"][-1]["text"]
    assert "as of 2026-06-11: 11 users, changes against the build of 2026-06-10" in digest
    assert "inactive_90d 90天内未活跃: 2 users (+100.0% vs 1)" in digest
    anomalies = sorted(m["dedupe_key"] for m in messages if m["kind"] == "anomaly")
    assert anomalies == [f"crowd_change:c618_dandan_fan:{s}:2026-06-11"
                         for s in ("active_target_90d", "inactive_90d", "no_first_order")]
    for m in messages:  # sizes only: no user in Slack
        assert not any(pin in m["text"] for pin in PHONE_A2)


def test_broken_campaign_file_fails_its_run_and_alerts(run_env, tmp_path):
    env, _, data = run_env
    folder = tmp_path / "campaigns"
    folder.mkdir()
    text = (campaigns.campaigns_dir() / "c618_dandan_fan.yaml").read_text("utf-8")
    (folder / "c_broken.yaml").write_text(text.replace("campaign_id: c618_dandan_fan", "campaign_id: c_broken")
                                          .replace("lookback_days: 90", "lookback_days: ninety"), encoding="utf-8")
    env = {**env, "OUTFIELD_CAMPAIGNS_DIR": str(folder)}
    result = subprocess.run([AIRFLOW, "dags", "test", "campaign_crowd_c_broken", "2026-06-10T22:00:00+00:00"],
                            env=env, capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "c_broken.yaml" in out and "field 'lookback_days'" in out
    failures = [m for m in outbox(data) if m["kind"] == "failure"]
    assert len(failures) == 1, failures  # AirflowFailException: no retry, one alert
    assert "report_invalid_campaign_file" in failures[0]["text"]
    assert "c_broken.yaml" in failures[0]["text"] and "lookback_days" in failures[0]["text"]
    assert failures[0]["channel"] == "#outfield-campaigns"
