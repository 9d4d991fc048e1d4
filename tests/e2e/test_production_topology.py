"""The production tier for real: docker-compose's services run natively (no Docker engine here).

api-server, scheduler, dag-processor, triggerer and a Celery worker; PostgreSQL as metadata database
AND warehouse (a separate database), Redis as broker. The warehouse is seeded with the demo
generator, each pipeline is triggered through the REST API (/api/v2, with a token), and the output
tables are checked in PostgreSQL. Every process is stopped by PID at the end.

PostgreSQL or Redis unreachable: skipped with the reason on a laptop, a failure in CI (CI=true).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from tests.e2e.topology import PG_HOST, PG_USER, Topology, reachable

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

D = dt.date(2026, 6, 10)


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    missing = [name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not reachable("127.0.0.1", port)]
    if missing:
        reason = f"production tier needs {', '.join(missing)} on 127.0.0.1"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    topo = Topology(tmp_path_factory.mktemp("topology"))
    try:
        topo.start()
        seed = subprocess.run(
            [sys.executable, "-m", "outfield.demo", "--users", "3000", "--days", "35", "--end", D.isoformat(),
             "--seed", "7", "--postgres", f"host={PG_HOST} dbname={topo.wh_db} user={PG_USER}"],
            env=topo.env, capture_output=True, text=True, timeout=300)
        assert seed.returncode == 0, seed.stderr[-3000:]
        yield topo
    finally:
        topo.stop()
        assert not any(topo.alive().values()), "a process survived stop()"


def _query(topo: Topology, sql: str, params=()):
    import psycopg

    with psycopg.connect(host=PG_HOST, user=PG_USER, dbname=topo.wh_db) as conn:
        return conn.execute(sql, params).fetchall()


def test_pipelines_run_on_celery_postgres_redis(topology):
    runs = {
        "churn_callback_daily": {"business_date": D.isoformat()},
        "data_calibration_daily": {"business_date": D.isoformat()},
        "campaign_crowd_c618_dandan_fan": {"as_of_date": (D + dt.timedelta(days=1)).isoformat()},
        "redpacket_funnel_weekly": {"business_date": D.isoformat()},
    }
    run_ids = {dag_id: topology.trigger(dag_id, conf) for dag_id, conf in runs.items()}
    states = {dag_id: topology.wait_for_run(dag_id, run_id) for dag_id, run_id in run_ids.items()}
    for dag_id, state in states.items():
        assert state["state"] == "success", (dag_id, state.get("task_states"), topology.logs("celery-worker"))

    listed = _query(topology, "SELECT COUNT(*), COUNT(DISTINCT (user_pin, merchant_id)) FROM churn_callback_list "
                              "WHERE business_date = %s", (D,))[0]
    assert listed[0] > 0 and listed[0] == listed[1]
    stats = _query(topology, "SELECT merchant_id, churn_rate FROM churn_daily_stats WHERE business_date = %s", (D,))
    assert stats and all(0 <= rate <= 1 for _, rate in stats)
    checks = {row[0] for row in _query(topology, "SELECT DISTINCT check_name FROM dq_check_results "
                                                 "WHERE business_date = %s", (D,))}
    assert {"store_city", "funnel_monotonic", "source_freshness", "source_volume", "primary_key", "not_null",
            "gross_margin_floor", "churn_rate"} <= checks
    calibrated = _query(topology, "SELECT COUNT(*) FROM dim_store_calibrated")[0][0]
    stores = _query(topology, "SELECT COUNT(DISTINCT shop_id) FROM dim_store")[0][0]
    assert calibrated == stores
    segments = _query(topology, "SELECT segment, users FROM crowd_summary WHERE campaign_id = %s AND as_of_date = %s",
                      ("c618_dandan_fan", D + dt.timedelta(days=1)))
    assert len(segments) == 4 and sum(u for _, u in segments) > 0
    week = _query(topology, "SELECT COUNT(*), COUNT(DISTINCT shop_id) FROM redpacket_funnel_weekly "
                            "WHERE week_start = %s", (D - dt.timedelta(days=D.weekday()),))[0]
    assert week[0] > 0 and week[0] == week[1]
    # nobody ran "airflow pools set": the scheduler created the pool, sized for a PostgreSQL warehouse
    pool = topology.api("GET", "/api/v2/pools/warehouse")
    assert pool["slots"] == 8, pool
    # every task ran on the Celery worker, not in the scheduler
    assert "celery" in topology.logs("celery-worker", tail=200000).lower()
