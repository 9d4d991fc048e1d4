"""dq_check_results rows and robust expected bands (weekday-aware anomaly detection).

A band is learned from a short history of the same weekday (e.g. the last four Tuesdays):
expected = median, half-width = max(floor, k * 1.4826 * MAD), where MAD is the median absolute
deviation (1.4826 scales it to a standard deviation for normal data). A deviation under the floor is
never an anomaly; a history shorter than ``min_history`` gives a pass with a note, never an alarm.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

STATUSES = ("pass", "warn", "fail")


@dataclass(frozen=True)
class Band:
    expected: float | None
    low: float | None
    high: float | None
    history: int
    note: str = ""

    @property
    def known(self) -> bool:
        return self.expected is not None

    def contains(self, value: float) -> bool:
        return not self.known or (self.low <= value <= self.high)

    def describe(self, fmt: str = "{:.4g}") -> str:
        if not self.known:
            return self.note or "no band"
        return f"[{fmt.format(self.low)}, {fmt.format(self.high)}] (expected {fmt.format(self.expected)}, n={self.history})"


def robust_band(history: Sequence[float], *, abs_floor: float = 0.0, rel_floor: float = 0.0,
                k: float = 3.0, min_history: int = 3) -> Band:
    """Band from past values. ``abs_floor``/``rel_floor``: deviations under this (absolute, or as a
    fraction of the expected value) are never anomalies."""
    values = [float(v) for v in history if v is not None]
    if len(values) < min_history:
        return Band(None, None, None, len(values),
                    note=f"history too short to predict ({len(values)} of {min_history} points needed)")
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    half = max(k * 1.4826 * mad, abs_floor, rel_floor * abs(med))
    return Band(med, med - half, med + half, len(values))


def proportion_band(history: Sequence[tuple[int, int]], n: int, *, abs_floor: float = 0.0, k: float = 4.0,
                    min_history: int = 3) -> Band:
    """Band for today's proportion ``x / n`` (e.g. a churn rate) from past ``(x, n)`` of the same kind.

    expected p = the pooled past rate Σx / Σn; half-width = max(abs_floor, k·σ) with
    σ² = p(1−p)·(1/n + 1/Σn)      the sampling noise of today's rate and of the estimate p,
       + (1.4826·MAD)²             the day-to-day spread of the past rates beyond that noise.
    Past points with n = 0 are ignored; fewer than ``min_history`` gives a pass with a note.
    """
    past = [(int(x), int(m)) for x, m in history if m]
    if len(past) < min_history or not n:
        return Band(None, None, None, len(past),
                    note=f"history too short to predict ({len(past)} of {min_history} points needed)")
    total = sum(m for _, m in past)
    p = sum(x for x, _ in past) / total
    rates = [x / m for x, m in past]
    med = statistics.median(rates)
    spread = 1.4826 * statistics.median(abs(r - med) for r in rates)
    sigma = (max(p * (1 - p), 0.0) * (1 / n + 1 / total) + spread ** 2) ** 0.5
    half = max(abs_floor, k * sigma)
    return Band(p, p - half, p + half, len(past))


def clip_band(band: Band, low: float, high: float) -> Band:
    """The band limited to the values a metric can take (e.g. a rate in [0, 1])."""
    if not band.known:
        return band
    return Band(band.expected, max(low, band.low), min(high, band.high), band.history, band.note)


@dataclass
class CheckResult:
    """One row of ``dq_check_results``."""

    check_name: str
    business_date: dt.date
    subject: str | None
    metric: str
    value: float | None
    threshold: str | None
    status: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def as_params(self, checked_at: dt.datetime) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = None if self.value is None else float(self.value)
        d["checked_at"] = checked_at
        return d


def write_results(wh: Any, check_names: Iterable[str], business_date: dt.date,
                  results: Sequence[CheckResult], subjects: Iterable[str] | None = None) -> int:
    """Atomically replace the rows of these check names for the date by ``results``.

    With ``subjects``, only the rows of those subjects are replaced (two steps that share a check
    name, each over its own tables, do not erase each other's rows).
    """
    import pendulum

    checked_at = pendulum.now("Asia/Shanghai").naive().replace(microsecond=0)
    names = list(dict.fromkeys(check_names))
    wh.ensure_tables()  # a check may be the first writer on a fresh warehouse
    with wh.transaction():
        for name in names:
            if subjects is None:
                wh.execute("common/delete_rows.sql", {"key_check_name": name, "key_business_date": business_date},
                           table="dq_check_results", key_columns=["check_name", "business_date"])
                continue
            for subject in subjects:
                wh.execute("common/delete_rows.sql",
                           {"key_check_name": name, "key_business_date": business_date, "key_subject": subject},
                           table="dq_check_results", key_columns=["check_name", "business_date", "subject"])
        for r in results:
            if r.check_name not in names:
                raise ValueError(f"result of check {r.check_name!r} not among {names}")
            wh.execute("common/insert_check_result.sql", r.as_params(checked_at))
    return len(results)


def findings(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The warn and fail rows (what gets alerted)."""
    return [r for r in results if r.status in ("warn", "fail")]


def rows_by(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, list[Mapping[str, Any]]]:
    out: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out
