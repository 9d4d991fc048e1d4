"""Wait for a day's source rows, and fail naming the late tables when the wait runs out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout

from outfield.config import setting
from outfield.dates import business_date


class SourceRowsSensor(BaseSensorOperator):
    """Pokes until every source table the pipeline needs has rows for business date D.

    ``late_tables(wh, d) -> list[str]`` says which tables have no rows yet. The wait is bounded
    (``<section>.source_wait_timeout_seconds`` in the configuration, read when the task runs); when
    it runs out the task fails with a message that names the late tables, which the failure alert
    carries to Slack. Runs in reschedule mode, so the warehouse pool slot is free between pokes.
    """

    def __init__(self, *, late_tables: Callable[[Any, Any], list[str]], config_section: str, **kwargs: Any):
        kwargs.setdefault("mode", "reschedule")
        kwargs.setdefault("retries", 0)
        super().__init__(**kwargs)
        self.late_tables = late_tables
        self.config_section = config_section
        self._late: list[str] = []

    def execute(self, context: Any) -> Any:
        self.timeout = float(setting(self.config_section, "source_wait_timeout_seconds", default=7200))
        self.poke_interval = float(setting(self.config_section, "source_poke_interval_seconds", default=300))
        if self.poke_interval < 60:
            self.mode = "poke"  # short waits (tests, manual reruns) need no rescheduling
        try:
            return super().execute(context)
        except AirflowSensorTimeout:
            d = business_date(context)
            late = ", ".join(self._late) or "unknown"
            raise AirflowSensorTimeout(
                f"source data late for {d}: {late} has no rows for {d} after waiting {int(self.timeout)} s"
            ) from None

    def poke(self, context: Any) -> bool:
        from outfield.warehouse import Warehouse

        d = business_date(context)
        with Warehouse.from_connection() as wh:
            self._late = self.late_tables(wh, d)
        if self._late:
            self.log.info("Waiting for source rows of %s in: %s", d, ", ".join(self._late))
        return not self._late
