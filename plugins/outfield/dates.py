"""Business dates (Asia/Shanghai), from a run's logical date or its params.

SPEC "Time": a run's business date D is the calendar day before the run's logical date (or, for a
run that has none, the moment it was triggered), in Asia/Shanghai; a ``business_date`` param
(YYYY-MM-DD) overrides it. Data of day D is ``[D 00:00, D+1 00:00)`` in naive local time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pendulum

from outfield.config import TIMEZONE

TZ = pendulum.timezone(TIMEZONE)
DATE_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
#: JSON-schema pattern for date params in trigger forms (the form refuses anything else).
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class DateParamError(ValueError):
    """A date param that is not a real YYYY-MM-DD date."""


def parse_date(value: Any, name: str = "date") -> dt.date:
    """Strictly parse ``YYYY-MM-DD`` (or accept a date); raise ``DateParamError`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not DATE_RE.match(value.strip()):
        raise DateParamError(f"{name} must be a date written YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DateParamError(f"{name} {value!r} is not a calendar date: {exc}") from None


def local_day(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar day of an aware datetime."""
    return pendulum.instance(moment).in_timezone(TZ).date()


def run_moment(context: Mapping[str, Any]) -> dt.datetime:
    """The logical date of the run, else when it was triggered (run_after / start), else now."""
    for key in ("logical_date",):
        value = context.get(key)
        if value is not None:
            return value
    dag_run = context.get("dag_run")
    for attr in ("logical_date", "run_after", "queued_at", "start_date"):
        value = getattr(dag_run, attr, None) if dag_run is not None else None
        if value is not None:
            return value
    return pendulum.now("UTC")


def _param(context: Mapping[str, Any], name: str) -> Any:
    params = context.get("params") or {}
    value = params.get(name) if hasattr(params, "get") else None
    return value if value not in ("", None) else None


def business_date(context: Mapping[str, Any]) -> dt.date:
    """D for a daily/weekly run: the ``business_date`` param, else the day before the run's day."""
    override = _param(context, "business_date")
    if override is not None:
        return parse_date(override, "business_date")
    return local_day(run_moment(context)) - dt.timedelta(days=1)


def as_of_date(context: Mapping[str, Any]) -> dt.date:
    """A for a crowd build: the ``as_of_date`` param, else the run's own calendar day."""
    override = _param(context, "as_of_date")
    if override is not None:
        return parse_date(override, "as_of_date")
    return local_day(run_moment(context))


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Naive local ``[D 00:00, D+1 00:00)``, the form the source timestamps use."""
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)


def iso_week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week containing ``day``."""
    return day - dt.timedelta(days=day.weekday())
