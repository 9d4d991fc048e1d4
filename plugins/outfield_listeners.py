"""Airflow listener plugin of outfield: create the ``warehouse`` pool when an Airflow server component starts.

A top-level file like ``outfield_ui_plugin.py`` (Airflow imports every .py under plugins/). Airflow calls
``on_starting`` for each job it starts: scheduler, dag-processor and triggerer, all with access to the
metadata database; and for each task run on a worker (no database there: skipped). Whatever goes
wrong is logged, never raised: a listener must not stop the scheduler. See ``outfield.pools``.
"""

from __future__ import annotations

import logging
import sys

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger(__name__)


class _WarehousePoolListener:
    @hookimpl
    def on_starting(self, component) -> None:
        job_module = sys.modules.get("airflow.jobs.job")  # loaded wherever a Job exists; not imported here
        if job_module is None or not isinstance(component, job_module.Job):  # a task runner: no metadata DB
            return
        try:
            from outfield.pools import ensure_warehouse_pool

            log.info("outfield: %s", ensure_warehouse_pool())
        except Exception:  # noqa: BLE001
            log.exception("outfield: could not create the warehouse pool; create it with 'airflow pools set'")


warehouse_pool_listener = _WarehousePoolListener()


class OutfieldListenersPlugin(AirflowPlugin):
    name = "outfield_listeners"
    listeners = [warehouse_pool_listener]


