"""The daily pipelines of outfield run the way their DAGs run them, on a given Warehouse (no Airflow run).

Each ``run_<pipeline>(wh, day)`` calls the pipeline's step functions in the DAG's task order and
sends its alerts with the DAG's own task code where the alert text lives in the DAG file
(``check_churn_rate``, ``alert_changes``: their ``python_callable`` is called with a minimal context),
so that a test sees the alert a real run would send. The DAGs are parsed once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN_FILE = ROOT / "include" / "campaigns" / "c618_dandan_fan.yaml"
DAILY = ("churn", "calibration", "crowd")


@functools.lru_cache(maxsize=4)
def dag(dag_file: str, dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / dag_file))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


@functools.lru_cache(maxsize=1)
def campaign():
    from outfield.campaigns import load_campaign

    return load_campaign(CAMPAIGN_FILE)


class _Run:
    """The dag_run of the minimal context (for alerts.run_link)."""

    def __init__(self, dag_id: str, day: dt.date):
        self.dag_id = dag_id
        self.run_id = f"manual__reliability_{day.isoformat()}"
        self.run_type = "manual"
        self.logical_date = None


def _context(dag_id: str, day: dt.date, params: dict[str, Any]) -> dict[str, Any]:
    return {"params": params, "dag_run": _Run(dag_id, day), "run_id": f"manual__reliability_{day.isoformat()}"}


def _use_connection(wh) -> None:
    """The DAG's task code opens Warehouse.from_connection(): point it at the test's DuckDB file."""
    import json

    if wh.dialect == "duckdb":
        os.environ["AIRFLOW_CONN_WAREHOUSE"] = json.dumps({"conn_type": "duckdb", "host": str(wh.path)})
    else:
        kw = wh.pg_kwargs
        info = dict(part.split("=", 1) for part in kw.get("conninfo", "").split())
        os.environ["AIRFLOW_CONN_WAREHOUSE"] = json.dumps({
            "conn_type": "postgres", "host": info.get("host", "127.0.0.1"), "port": int(info.get("port", 5432)),
            "schema": info.get("dbname", "postgres"), "login": info.get("user"),
            "extra": {"search_path": wh.schema} if wh.schema else {}})


def run_churn(wh, day: dt.date, *, export: bool = True, alert: bool = True) -> dict[str, Any]:
    """churn_callback_daily for D: build_list, check_churn_rate (the DAG's task code), export_csv, send_digest.

    ``alert=False``: the same tables, without the Slack side (backfill tests).
    """
    from outfield import alerts, churn

    summary = churn.build(wh, day, 7)
    defects = churn.input_defects(wh, day)
    summary["defects"] = [{"metric": r.metric, "value": r.value, "status": r.status} for r in defects]
    if not alert:
        churn.churn_rate_findings(wh, day)
        if export:
            churn.export_csv(wh, day)
        return {"summary": summary}
    _use_connection(wh)
    d = dag("churn_callback_daily.py", "churn_callback_daily")
    ctx = _context(d.dag_id, day, {"business_date": day.isoformat(), "cooldown_days": 7})
    rates = d.task_dict["check_churn_rate"].python_callable(**ctx)
    path = None
    if export:
        path, _ = churn.export_csv(wh, day)
    alerts.send_alert(d.dag_id, churn.digest_text(summary, str(path) if path else None, summary["defects"]),
                      kind="digest")
    return {"summary": summary, "rates": rates}


def run_calibration(wh, day: dt.date, *, alert: bool = True) -> dict[str, Any]:
    """data_calibration_daily for D: every check, then alert_findings (one grouped message)."""
    from outfield import calibration

    calibration.calibrate_store_city(wh, day)
    calibration.check_funnel(wh, day)
    calibration.check_freshness_volume(wh, day)
    calibration.check_keys_and_nulls(wh, day)
    calibration.check_source_values(wh, day)
    calibration.check_gross_margin(wh, day)
    if not alert:
        return {}
    return calibration.alert_findings(wh, day, f"http://localhost:8080/dags/data_calibration_daily/runs/{day}")


def run_crowd(wh, as_of: dt.date, *, export: bool = True, alert: bool = True) -> dict[str, Any]:
    """campaign_crowd_<id> as of A: build_crowd, export_csv, alert_changes (the DAG's task code), send_digest."""
    from outfield import alerts, crowds

    c = campaign()
    summary = crowds.build(wh, c, as_of)
    if export:
        crowds.export_csv(wh, c.campaign_id, as_of)
    if not alert:
        return {"summary": summary}
    d = dag("campaign_crowds.py", c.dag_id)
    found = d.task_dict["alert_changes"].python_callable(summary, **_context(d.dag_id, as_of, {}))
    alerts.send_alert(c.dag_id, crowds.digest_text(summary), kind="digest")
    return {"summary": summary, "anomalies": found}


def run(wh, pipeline: str, day: dt.date, **kw: Any) -> dict[str, Any]:
    """One daily run of ``pipeline`` for business date D (the crowd is built as of D+1: data up to D)."""
    if pipeline == "churn":
        return run_churn(wh, day, **kw)
    if pipeline == "calibration":
        return run_calibration(wh, day, **{k: v for k, v in kw.items() if k == "alert"})
    if pipeline == "crowd":
        return run_crowd(wh, day + dt.timedelta(days=1), **kw)
    raise ValueError(pipeline)
