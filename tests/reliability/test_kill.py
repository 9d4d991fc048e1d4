"""A task killed (SIGKILL) in the middle of writing leaves the date's rows entirely old or entirely new.

A subprocess (``kill_worker.py``) rewrites D's churn list and stats and a crowd build on a DuckDB file in
a loop, alternating two different contents of the list (cooldown 7 and 0 days); it is SIGKILLed at a
random moment, several times. Each time the file is reopened (DuckDB replays its write-ahead log) and
D's rows must be exactly one of the two contents, the stats and the crowd exactly theirs, and the
other dates untouched. No test hook: the kill lands wherever the worker happens to be.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from outfield import churn, crowds
from outfield.warehouse import Warehouse
from tests.reliability import pipelines as P
from tests.reliability.conftest import D, copy_of

WORKER = Path(__file__).with_name("kill_worker.py")
ROOT = Path(__file__).resolve().parents[2]
KILLS = 6


def snapshot(wh: Warehouse, day: dt.date) -> dict[str, list[tuple]]:
    a = day + dt.timedelta(days=1)
    return {
        "list": [tuple(r.values()) for r in wh.query_sql(
            "SELECT * FROM churn_callback_list WHERE business_date = CAST(:d AS DATE) "
            "ORDER BY user_pin, merchant_id", {"d": day})],
        "stats": [tuple(r.values()) for r in wh.query_sql(
            "SELECT * FROM churn_daily_stats WHERE business_date = CAST(:d AS DATE) ORDER BY merchant_id",
            {"d": day})],
        "crowd": [tuple(r.values()) for r in wh.query_sql(
            "SELECT segment, COUNT(*) AS n, SUM(reward_amount) AS reward FROM crowd_membership "
            "WHERE as_of_date = CAST(:a AS DATE) GROUP BY segment ORDER BY segment", {"a": a})],
        "summary": [tuple(r.values()) for r in wh.query_sql(
            "SELECT * FROM crowd_summary WHERE as_of_date = CAST(:a AS DATE) ORDER BY segment", {"a": a})],
        "others": [tuple(r.values()) for r in wh.query_sql(
            "SELECT business_date, COUNT(*) AS n FROM churn_callback_list WHERE business_date <> CAST(:d AS DATE) "
            "GROUP BY business_date ORDER BY business_date", {"d": day})],
    }


def test_sigkill_mid_write_leaves_old_or_new_rows(clean_base, tmp_path, rel_env):
    path = copy_of(clean_base[0], tmp_path)
    with Warehouse.duckdb(path) as wh:
        churn.build(wh, D - dt.timedelta(days=1), 7)  # a neighbour date that must stay as it is
        churn.build(wh, D, 0)
        crowds.build(wh, P.campaign(), D + dt.timedelta(days=1))
        zero = snapshot(wh, D)
        churn.build(wh, D, 7)
        seven = snapshot(wh, D)
    assert zero["list"] != seven["list"] and len(zero["list"]) > len(seven["list"]) > 0
    assert zero["stats"] == seven["stats"] and zero["summary"] == seven["summary"]

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT)])}
    rng = random.Random(20260625)
    seen = []
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(WORKER), str(path), D.isoformat()], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = proc.stdout.readline()  # the worker is in its loop of writes
            assert first.strip().isdigit(), (first, proc.stderr.read() if proc.poll() is not None else "")
            time.sleep(rng.uniform(0.0, 0.6))
            assert proc.poll() is None, proc.stderr.read()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        loops = 1 + sum(1 for line in proc.stdout if line.strip())
        with Warehouse.duckdb(path) as wh:
            now = snapshot(wh, D)
        assert now["list"] in (zero["list"], seven["list"]), "the list of D is neither the old nor the new one"
        assert now["stats"] == seven["stats"] and now["crowd"] == seven["crowd"] and now["summary"] == seven["summary"]
        assert now["others"] == seven["others"]
        seen.append(("cooldown 0" if now["list"] == zero["list"] else "cooldown 7", loops))
    print("kills:", seen)
