"""What every outfield DAG shares: default args (owner, retries, failure alert), tags, pool."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from outfield.config import TIMEZONE, WAREHOUSE_POOL  # noqa: F401  (re-exported for DAG files)
from outfield.dates import DATE_PATTERN

OWNER = "credit-analytics"


def default_args(**overrides: Any) -> dict[str, Any]:
    from outfield.alerts import failure_callback

    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": failure_callback,
    }
    args.update(overrides)
    return args


def date_param_schema(description: str) -> dict[str, Any]:
    """JSON-schema keywords of an optional YYYY-MM-DD date param (the trigger form validates it)."""
    return {
        "type": ["null", "string"],
        "format": "date",
        "pattern": DATE_PATTERN,
        "description": description,
    }


def deadline_alert(pipeline: str, what: str, ready_by: str, after_queued: timedelta) -> Any:
    """An Airflow 3 DeadlineAlert: alert when a run has not finished ``after_queued`` after it was queued.

    ``OUTFIELD_DEADLINE_ALERTS=off`` leaves it out: ``airflow dags test`` in Airflow 3.3.2 cannot finish
    a run of a DAG that has a deadline (``DagRun.update_state`` looks the alerts up by ids that the
    re-serialized DAG of ``dag.test()`` does not carry), so the demo's and the tests' ``dags test``
    runs switch it off. The scheduler path (every scheduled and triggered run) keeps it.
    """
    if os.environ.get("OUTFIELD_DEADLINE_ALERTS", "on").lower() in ("off", "0", "false", "no"):
        return None
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    from outfield.deadlines import not_ready_alert

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=after_queued,
        callback=AsyncCallback(not_ready_alert, kwargs={"pipeline": pipeline, "what": what, "ready_by": ready_by}),
        name=f"{pipeline} not ready by {ready_by}",
    )
