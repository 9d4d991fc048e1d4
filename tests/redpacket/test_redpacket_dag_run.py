"""Real Airflow runs (``airflow dags test``) of redpacket_funnel_weekly and weekly_report on a demo warehouse.

The warehouse is the demo generator's (500 users, 21 days ending Sunday 2026-06-14). The funnel run is
given the logical date of its schedule, Monday 2026-06-15 09:00 Asia/Shanghai (01:00Z), so the DAG
itself derives D = 2026-06-14 and the week 2026-06-08 .. 2026-06-14. Slack is not connected: the digest
(and the PNG, when a Chromium is installed) land in the outbox. The weekly report then reads the run
history from the session's real API server through the connection ``airflow_api``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from outfield.warehouse import Warehouse

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
FUNNEL_LOGICAL = "2026-06-15T01:00:00+00:00"
REPORT_LOGICAL = "2026-06-15T02:00:00+00:00"
WEEK = "2026-06-08"


def _run(args, env, timeout=300):
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo(airflow_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redpacket-e2e")
    data = tmp / "data"
    data.mkdir()
    env = os.environ.copy()
    env.update({
        "OUTFIELD_DATA_DIR": str(data),
        "AIRFLOW_CONN_WAREHOUSE": json.dumps({"conn_type": "duckdb", "host": str(tmp / "wh.duckdb")}),
        "OUTFIELD_DEADLINE_ALERTS": "off",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT)]),
    })
    env.pop("AIRFLOW_CONN_SLACK_API_DEFAULT", None)
    env.pop("AIRFLOW_CONN_AIRFLOW_API", None)
    gen = _run([sys.executable, "-m", "outfield.demo", "--users", "500", "--days", "21", "--end", "2026-06-14",
                "--duckdb", str(tmp / "wh.duckdb")], env)
    assert gen.returncode == 0, gen.stderr[-2000:]
    funnel = _run([str(Path(sys.executable).parent / "airflow"), "dags", "test", "redpacket_funnel_weekly",
                   FUNNEL_LOGICAL], env)
    return {"env": env, "tmp": tmp, "data": data, "funnel": funnel}


def _outbox(data: Path) -> list[dict]:
    path = data / "alerts" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def test_funnel_dag_builds_table_dashboard_and_digest(demo):
    result, data = demo["funnel"], demo["data"]
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]

    with Warehouse.duckdb(demo["tmp"] / "wh.duckdb", read_only=True) as wh:
        weeks = wh.query_sql("SELECT week_start, COUNT(*) AS shops, SUM(claim_users) AS claims, "
                             "SUM(order_users) AS orders FROM redpacket_funnel_weekly GROUP BY week_start")
    assert [str(w["week_start"]) for w in weeks] == [WEEK]
    assert weeks[0]["shops"] > 10 and weeks[0]["claims"] > 0 and weeks[0]["orders"] > 0

    page = data / "dashboards" / "redpacket" / f"{WEEK}.html"
    html = page.read_text(encoding="utf-8")
    assert html.count('class="plotly-graph-div"') == 3 and "<script src" not in html
    index = json.loads((data / "dashboards" / "redpacket" / "index.json").read_text("utf-8"))
    assert [w["week_start"] for w in index["weeks"]] == [WEEK]
    assert index["weeks"][0]["claim_users"] == weeks[0]["claims"]

    outbox = _outbox(data)
    [digest] = [m for m in outbox if m["kind"] == "digest"]
    assert digest["channel"] == "#outfield-redpacket"
    assert "红包码看板 Red-packet funnel 2026-W24" in digest["text"]
    assert f"{weeks[0]['shops']} shops with scans or claims" in digest["text"]
    assert f"/outfield/redpacket/{WEEK}.html" in digest["text"]
    files = [m for m in outbox if m["kind"] == "file"]
    from outfield.dashboard.browser import find_chromium

    if find_chromium():
        [png] = files
        assert Path(png["file"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert files == [] and "Funnel PNG skipped" in out
    for m in outbox:
        assert not PHONE.search(json.dumps(m, ensure_ascii=False))
    assert not PHONE.search(out)


def test_weekly_report_dag_reads_runs_from_the_api(demo, api_server):
    """The report of the current week (a run without a logical date: D = yesterday) sees the funnel run.

    Runs are counted by ``run_after`` (when they ran); ``airflow dags test`` runs get run_after = now
    whatever their logical date, so the funnel run above belongs to the current week's report.
    """
    import datetime as dt

    from outfield.dates import iso_week_start, local_day

    env = dict(demo["env"], AIRFLOW_CONN_AIRFLOW_API=api_server.conn_json("viewer"))
    week = iso_week_start(local_day(dt.datetime.now(dt.UTC)) - dt.timedelta(days=1))
    result = _run([str(Path(sys.executable).parent / "airflow"), "dags", "test", "weekly_report"], env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    md = (demo["data"] / "reports" / "weekly" / f"{week}.md").read_text("utf-8")
    assert md.startswith("# 周报 Weekly report ")
    section = md.split("(`redpacket_funnel_weekly`)")[1].split("\n## ")[0]
    assert "**【背景和目的】** Stores put a red-packet code" in section
    assert "- Runs: 1 succeeded, 0 failed (of 1: 1 manual)" in section  # the funnel run, read back via /api/v2
    assert "Run history not available" not in md
    [report] = [m for m in _outbox(demo["data"]) if m["kind"] == "weekly_report"]
    assert report["channel"] == "#outfield-weekly"  # alerts.channels.weekly_report in include/config/outfield.yaml
    assert report["text"].startswith("*周报 Weekly report") and "*【进度】*" in report["text"]
    assert not PHONE.search(md + report["text"])


def test_weekly_report_of_the_funnel_week_carries_its_numbers(demo):
    """The report of the funnel's week (param business_date): numbers from the warehouse, no API needed."""
    env = dict(demo["env"])
    result = _run([str(Path(sys.executable).parent / "airflow"), "dags", "test", "weekly_report", REPORT_LOGICAL,
                   "-c", json.dumps({"business_date": "2026-06-14"})], env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    md = (demo["data"] / "reports" / "weekly" / f"{WEEK}.md").read_text("utf-8")
    assert md.startswith("# 周报 Weekly report 2026-W24 (2026-06-08 – 2026-06-14)")
    assert "Run history not available: no Airflow connection 'airflow_api'" in md
    section = md.split("(`redpacket_funnel_weekly`)")[1].split("\n## ")[0]
    with Warehouse.duckdb(demo["tmp"] / "wh.duckdb", read_only=True) as wh:
        claims = wh.query_sql("SELECT SUM(claim_users) AS n FROM redpacket_funnel_weekly")[0]["n"]
    assert f"→ {claims:,} claimed" in section and f"/outfield/redpacket/{WEEK}.html" in section
