"""Deadline-alert callbacks (run by the triggerer when a DAG run misses its deadline)."""

from __future__ import annotations

import asyncio
from typing import Any


async def not_ready_alert(pipeline: str, what: str, ready_by: str, context: dict[str, Any] | None = None) -> str:
    """Tell the pipeline's channel that ``what`` is not ready by ``ready_by`` (Asia/Shanghai)."""
    from outfield import alerts

    dag_run = (context or {}).get("dag_run") or {}
    run_id = dag_run.get("run_id", "?")
    text = (
        f":alarm_clock: {what} is not ready by {ready_by} Asia/Shanghai "
        f"(DAG {pipeline}, run {run_id}, state {dag_run.get('state', '?')}). "
        "Operations start calling at 09:30: check the run in the Airflow UI."
    )
    return await asyncio.to_thread(
        alerts.send_alert, pipeline, text, kind="deadline", dedupe_key=f"deadline:{pipeline}:{run_id}"
    )
