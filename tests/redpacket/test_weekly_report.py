"""周报: the weekly report written from what the pipelines did, on a week with one failed run and one defect.

Week W = 2026-09-07 .. 2026-09-13 (ISO 2026-W37), a week no other test touches. Its run history is
created through the real Airflow REST API of the session's ``airflow api-server`` (two successful
runs and one failed run of churn_callback_daily, whose task build_list failed; one run after the
window), and the report reads it back through the connection ``airflow_api`` as a *viewer* user.
The warehouse holds the pipelines' outputs for W and W-1, worked out below:

- churn: Apple 10 % in W-1 (70 of 700), in W 72 of 600 = 12 % and Lenovo 30 of 300 = 10 %, together
  102 of 900 = 11.3 %; no list on 2026-09-10 (the failed run's day): 6 of 7 days, 15 users each = 90.
- dq_check_results: store_city M_APPLE warn every day since 2026-09-03 -> the one open defect, first
  seen 2026-09-03; funnel_monotonic S000009 warn on 09-08 only and source_freshness fact_txn fail on
  09-12, pass on 09-13 -> both resolved by the checks' last run in W.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest
import yaml

from outfield import weekly_report
from tests.alerts.fake_slack import TEST_TOKEN, FakeSlack

W = dt.date(2026, 9, 7)
DAYS = [W + dt.timedelta(days=i) for i in range(7)]
PREV_DAYS = [W - dt.timedelta(days=7 - i) for i in range(7)]
MISSING = dt.date(2026, 9, 10)
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def slack_conn_json(base_url: str) -> str:
    return json.dumps({"conn_type": "slack", "password": TEST_TOKEN, "extra": {"base_url": base_url}})


def _rows(wh, table, columns, rows):
    wh.copy_rows(table, columns, [tuple(r) for r in rows])


def load_outputs(wh) -> None:
    stats, lists = [], []
    for d in PREV_DAYS:
        stats.append((d, "M_APPLE", "Apple", 100, 10, 0.10))
    for d in DAYS:
        if d == MISSING:
            continue
        stats += [(d, "M_APPLE", "Apple", 100, 12, 0.12), (d, "M_LENOVO", "联想", 50, 5, 0.10)]
        lists += [(d, f"u{i}", None, "M_APPLE", "Apple", "S1", "Apple 三里屯店", "北京", dt.datetime.combine(d, dt.time(10)),
                   1, 5000) for i in range(15)]
    _rows(wh, "churn_daily_stats",
          ["business_date", "merchant_id", "merchant_name", "pass_users", "churned_users", "churn_rate"], stats)
    _rows(wh, "churn_callback_list",
          ["business_date", "user_pin", "phone_masked", "merchant_id", "merchant_name", "shop_id", "store_name",
           "city", "first_trial_at", "trial_count", "max_trial_amount"], lists)

    checks = []
    for d in [dt.date(2026, 9, 3) + dt.timedelta(days=i) for i in range(11)]:  # 09-03 .. 09-13
        checks.append(("store_city", d, "M_APPLE", "unresolved_amount_share", 0.21, "0.05", "warn",
                       "21 % of Apple's order amount at stores without a city"))
        checks.append(("store_city", d, "M_LENOVO", "unresolved_amount_share", 0.0, "0.05", "pass", ""))
    for d in DAYS:
        checks.append(("funnel_monotonic", d, None, "shops_checked", 40.0, None, "pass", ""))
        checks.append(("source_freshness", d, "fact_txn", "rows_of_day", 0.0 if d == dt.date(2026, 9, 12) else 900.0,
                       ">0", "fail" if d == dt.date(2026, 9, 12) else "pass", ""))
    checks.append(("funnel_monotonic", dt.date(2026, 9, 8), "S000009", "stage_excess_users", 3.0, "0", "warn",
                   "orders 5 > transacting 2"))
    _rows(wh, "dq_check_results", ["check_name", "business_date", "subject", "metric", "value", "threshold", "status",
                                   "detail"], checks)

    crowd = []
    for a in [W + dt.timedelta(days=i) for i in range(1, 9)]:  # 09-08 .. 09-15 (09-15 is after the window)
        for seg, users in (("no_first_order", 100), ("inactive_90d", 50), ("inactive_target_90d", 30),
                           ("active_target_90d", 20)):
            crowd.append(("c618_dandan_fan", a, seg, users + (a - W).days, users, 0.01))
    _rows(wh, "crowd_summary", ["campaign_id", "as_of_date", "segment", "users", "prev_users", "change_pct"], crowd)

    funnel_cols = ["week_start", "merchant_id", "merchant_name", "shop_id", "store_name", "city", "scan_users",
                   "claim_users", "trial_users", "pass_users", "order_users", "redeem_users", "gmv", "redpacket_cost",
                   "claim_rate", "trial_rate", "pass_rate", "order_rate", "redeem_rate"]
    _rows(wh, "redpacket_funnel_weekly", funnel_cols, [
        (W, "M_APPLE", "Apple", "S1", "Apple 三里屯店", "北京", 40, 20, 15, 14, 10, 8, 50000, 400, .5, .75, 14 / 15, 10 / 14, .8),
        (W, "M_LENOVO", "联想", "S3", "联想 中关村店", "北京", 10, 5, 2, 2, 1, 1, 6000, 30, .5, .4, 1.0, .5, 1.0),
        (W - dt.timedelta(days=7), "M_APPLE", "Apple", "S1", "Apple 三里屯店", "北京", 30, 20, 10, 9, 5, 4, 25000, 200,
         20 / 30, .5, .9, 5 / 9, .8),
    ])


def test_collect_outputs(wh):
    load_outputs(wh)
    out = weekly_report.collect_outputs(wh, W)
    assert {k for k, v in out.items() if "error" in v} == set()
    days = {d["business_date"]: d for d in out["churn"]["days"]}
    assert len(days) == 13 and MISSING.isoformat() not in days  # 7 days of W-1, 6 of W
    assert days["2026-09-08"]["list_rows"] == 15 and days["2026-09-08"]["pass_users"] == 150
    merchants = {(m["merchant_id"], m["period"]): m for m in out["churn"]["merchants"]}
    assert merchants[("M_APPLE", "this")]["churned_users"] == 72 and merchants[("M_APPLE", "prev")]["pass_users"] == 700
    assert ("M_LENOVO", "prev") not in merchants

    [defect] = out["defects"]["open"]
    assert (defect["check_name"], defect["subject"], defect["metric"], defect["status"]) == (
        "store_city", "M_APPLE", "unresolved_amount_share", "warn")
    assert defect["first_seen"] == "2026-09-03" and defect["last_checked"] == "2026-09-13"
    checks = {c["check_name"]: c for c in out["defects"]["checks"]}
    assert checks["funnel_monotonic"]["warn_rows"] == 1 and checks["source_freshness"]["fail_rows"] == 1
    assert checks["store_city"]["days_checked"] == 7 and checks["store_city"]["warn_rows"] == 7

    builds = out["crowds"]["builds"]
    assert {b["as_of_date"] for b in builds} == {"2026-09-14"} and {b["builds"] for b in builds} == {7}
    assert out["redpacket"]["this"]["claim_users"] == 25 and out["redpacket"]["this"]["order_users"] == 11
    assert out["redpacket"]["prev"]["conversion"] == pytest.approx(0.25)


# ------------------------------------------------------------------------------------------------- runs


def _trigger(server, token, dag_id, run_id, run_after, state, failed_task=None):
    h = {"Authorization": f"Bearer {token}"}
    resp = httpx.post(f"{server.url}/api/v2/dags/{dag_id}/dagRuns", headers=h, timeout=20,
                      json={"dag_run_id": run_id, "logical_date": run_after, "run_after": run_after})
    assert resp.status_code in (200, 201), resp.text
    if failed_task:
        resp = httpx.patch(f"{server.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{failed_task}",
                           headers=h, json={"new_state": "failed"}, timeout=20)
        assert resp.status_code == 200, resp.text
    resp = httpx.patch(f"{server.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}", headers=h, json={"state": state},
                       timeout=20)
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def week_runs(api_server):
    token = api_server.token("admin")
    _trigger(api_server, token, "churn_callback_daily", "report_test_ok_1", "2026-09-09T00:00:00Z", "success")
    _trigger(api_server, token, "churn_callback_daily", "report_test_failed", "2026-09-10T00:00:00Z", "failed",
             failed_task="build_list")
    _trigger(api_server, token, "churn_callback_daily", "report_test_ok_2", "2026-09-11T00:00:00Z", "success")
    # Tuesday 10:00 after the week: the next report's
    _trigger(api_server, token, "churn_callback_daily", "report_test_next_week", "2026-09-15T02:00:00Z", "success")
    _trigger(api_server, token, "data_calibration_daily", "report_test_dq", "2026-09-12T23:00:00Z", "success")
    return api_server


@pytest.fixture()
def report_env(week_runs, data_dir, tmp_path, monkeypatch):
    config = tmp_path / "outfield.yaml"
    config.write_text(yaml.safe_dump({"alerts": {"channels": {"default": "#outfield-alerts",
                                                              "weekly_report": "#outfield-weekly"}}}), "utf-8")
    monkeypatch.setenv("OUTFIELD_CONFIG", str(config))
    monkeypatch.setenv("AIRFLOW_CONN_AIRFLOW_API", week_runs.conn_json("viewer"))  # read-only user is enough
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", week_runs.url)
    return week_runs


def test_run_history_from_the_rest_api(report_env):
    history = weekly_report.run_history(W)
    assert history["available"], history
    ours = {r["dag_run_id"]: r for r in history["runs"] if r["dag_run_id"].startswith("report_test_")}
    assert set(ours) == {"report_test_ok_1", "report_test_failed", "report_test_ok_2", "report_test_dq"}
    assert ours["report_test_failed"]["state"] == "failed"
    assert ours["report_test_failed"]["failed_tasks"] == ["build_list"]
    assert history["window"] == {"from": "2026-09-08T00:00:00+08:00", "to": "2026-09-15T00:00:00+08:00"}


def test_weekly_report_with_one_failed_run_and_one_defect(report_env, tmp_path, monkeypatch, artifacts):
    from outfield.warehouse import Warehouse

    with Warehouse.duckdb(tmp_path / "wh.duckdb") as wh:
        wh.create_source_tables()
        wh.ensure_tables()
        load_outputs(wh)
        outputs = weekly_report.collect_outputs(wh, W)
    docs = weekly_report.pipeline_docs()
    history = weekly_report.run_history(W)
    with FakeSlack(channels=["#outfield-alerts", "#outfield-weekly"]) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_SLACK_API_DEFAULT", slack_conn_json(fake.base_url))
        result = weekly_report.publish(W, docs, history, outputs, generated_at="2026-09-14 10:00 Asia/Shanghai")
        assert result["slack"] == "sent"
        [message] = fake.messages
        assert fake.calls("chat.postMessage")[0].delivered_to == fake.channel_id("#outfield-weekly")

    md = (weekly_report.report_path(W)).read_text(encoding="utf-8")
    (artifacts / f"weekly_report_{W}.md").write_text(md, encoding="utf-8")
    assert result["path"].endswith("reports/weekly/2026-09-07.md")
    assert md.startswith("# 周报 Weekly report 2026-W37 (2026-09-07 – 2026-09-13)")

    churn = _section(md, "churn_callback_daily")
    assert churn.startswith("## 意愿流失专项 Churn callback list (`churn_callback_daily`)")
    assert "**【背景和目的】** Users whom risk let buy" in churn and "**【进度】**" in churn
    assert "- Runs: 2 succeeded, 1 failed (of 3: 3 manual)" in churn
    assert re.search(r"failed run \[report_test_failed\]\(http://127\.0\.0\.1:\d+/dags/churn_callback_daily/runs/"
                     r"report_test_failed\) \(`churn_callback_daily`, 2026-09-10 \d\d:\d\d; failed: `build_list`\)", churn)
    assert "Callback lists: 6 of 7 days, 90 users to call" in churn
    assert "no list for: 2026-09-10" in churn
    assert "Churn rate 意愿流失率: 11.3% this week (102 of 900 passing users), last week 10.0% (+1.3 pts)" in churn
    assert "Apple 12.0% (+2.0 pts); 联想 10.0%" in churn

    dq = _section(md, "data_calibration_daily")
    assert "**【背景和目的】** The source tables have real defects" in dq
    assert "- Runs: 1 succeeded, 0 failed" in dq
    assert "Open data defects 未解决的数据问题: 1 (0 new this week)" in dq
    assert "| 2026-09-03 | warn | `store_city` | M_APPLE | unresolved_amount_share | 0.21 |" in dq
    assert "S000009" not in dq.split("Open data defects")[1]  # resolved: not open
    assert "source_freshness 0 warn/1 fail" in dq

    rp = _section(md, "redpacket_funnel_weekly")
    assert "Runs: none this week" in rp
    assert "2026-W37: 2 shops; 50 scanned → 25 claimed (claim rate 50.0%) → 11 ordered; claim→order 44.0%, " \
           "last week 25.0%; GMV ¥56,000, red-packet cost ¥430" in rp
    assert f"/outfield/redpacket/{W}.html" in rp
    if "campaign_crowd_c618_dandan_fan" in docs["pipelines"]:
        crowd = _section(md, "campaign_crowd_c618_dandan_fan")
        assert "Latest build as of 2026-09-14 (7 builds this week): no_first_order 107 (+1.0%)" in crowd
    assert "`weekly_report`)" not in md  # the report does not report on itself
    head = md.split("\n## ")[0]
    assert "succeeded, 1 failed" in head and "Open data defects: 1 (oldest since 2026-09-03)" in head

    text = message["text"]
    assert text.startswith("*周报 Weekly report 2026-W37")
    assert "*【背景和目的】* Users whom risk let buy" in text and "*【进度】*" in text
    assert "<http://127.0.0.1:" in text and "|report_test_failed>" in text
    assert "since 2026-09-03: warn `store_city` M_APPLE unresolved_amount_share" in text
    assert "Report file:" in text
    for blob in (md, json.dumps(fake.messages, ensure_ascii=False)):
        assert not PHONE.search(blob)
        assert "u14" not in blob  # no user list


def test_report_without_the_api_connection_still_writes_everything_else(data_dir, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_AIRFLOW_API", raising=False)
    history = weekly_report.run_history(W)
    assert not history["available"] and "no Airflow connection 'airflow_api'" in history["reason"]
    docs = {"pipelines": {"churn_callback_daily": {"dag_id": "churn_callback_daily", "title": "意愿流失专项",
                                                   "purpose": "Call the users who walked away."}},
            "import_errors": ["broken_dag.py"]}
    md = weekly_report.compose(W, docs, history, {"churn": {"error": "CatalogException: no table"}})
    assert "Run history not available: no Airflow connection 'airflow_api'" in md
    assert "- Runs: not available (no Airflow connection 'airflow_api'" in md
    assert "**【背景和目的】** Call the users who walked away." in md
    assert "Numbers not available (CatalogException: no table)" in md
    assert "DAG files that do not import: broken_dag.py" in md


def test_api_down_is_reported_not_raised(monkeypatch):
    from tests.redpacket.conftest import free_port

    monkeypatch.setenv("AIRFLOW_CONN_AIRFLOW_API", json.dumps(
        {"conn_type": "http", "host": f"http://127.0.0.1:{free_port()}", "login": "admin", "password": "x"}))
    history = weekly_report.run_history(W)
    assert not history["available"] and "not reachable" in history["reason"]


def test_doc_sections():
    doc = """
# 红包码看板 Red-packet code funnel — `redpacket_funnel_weekly`

## 背景和目的 Background and purpose
First line
second line.

Second paragraph.
- **Owner**: x
"""
    assert weekly_report.doc_sections(doc) == {"title": "红包码看板 Red-packet code funnel",
                                               "purpose": "First line second line."}
    assert weekly_report.doc_sections("# T\n\n## 背景和目的\n- **Owner**: x\n")["purpose"] == ""
    assert weekly_report.doc_sections(None) == {"title": "", "purpose": ""}


def _section(md: str, dag_id: str) -> str:
    parts = [p for p in md.split("\n## ") if p.splitlines()[0].endswith(f"(`{dag_id}`)")]
    assert len(parts) == 1, f"no section for {dag_id}"
    return "## " + parts[0]
