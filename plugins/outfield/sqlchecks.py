"""common-sql's column checks whose outcome is also recorded in ``dq_check_results``.

``SQLColumnCheckOperator`` fails its task when a check fails (right for our own outputs: a violation
there is our bug), but its outcome would only live in the task log. This subclass writes one row per
(column, check) — ``unique_check`` as ``primary_key``, ``null_check`` as ``not_null``, subject = the
table — before passing the operator's verdict on unchanged.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.sql.operators.sql import SQLColumnCheckOperator

CHECK_NAMES = {"unique_check": "primary_key", "null_check": "not_null"}


class RecordedSQLColumnCheckOperator(SQLColumnCheckOperator):
    """``SQLColumnCheckOperator`` + its per-check results in ``dq_check_results`` for business date D."""

    def execute(self, context: Any) -> None:
        error: Exception | None = None
        try:
            super().execute(context)
        except Exception as exc:  # noqa: BLE001 - recorded, then re-raised unchanged
            error = exc
        self._record(context, error)
        if error is not None:
            raise error

    def _record(self, context: Any, error: Exception | None) -> None:
        from outfield import checks
        from outfield.dates import business_date
        from outfield.warehouse import Warehouse

        d = business_date(context)
        results = []
        for column, column_checks in self.column_mapping.items():
            for check, spec in column_checks.items():
                name = CHECK_NAMES.get(check)
                if name is None:
                    continue
                ran = "success" in spec
                ok = bool(spec.get("success")) if ran else False
                expected = {k: v for k, v in spec.items() if k not in ("result", "success")}
                results.append(checks.CheckResult(
                    check_name=name, business_date=d, subject=self.table, metric=f"{column}_{check}",
                    value=spec.get("result") if ran else None, threshold=str(expected),
                    status="pass" if ok else "fail",
                    detail=(f"SQLColumnCheckOperator on {self.table}.{column}"
                            + ("" if ran else f": not run ({type(error).__name__})")),
                ))
        with Warehouse.from_connection() as wh:
            checks.write_results(wh, sorted({r.check_name for r in results}), d, results, subjects=[self.table])
