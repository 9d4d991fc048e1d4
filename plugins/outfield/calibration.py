"""数据校准 data-calibration checks: the steps of ``data_calibration_daily``, callable on any Warehouse.

Each step reads the warehouse through ``include/sql/calibration/``, decides pass/warn/fail in Python,
and replaces its own check names' rows of D in ``dq_check_results`` atomically
(``checks.write_results``). Findings are the product: a step that finds defects returns normally;
it raises only when it cannot check (then it still writes what it could, and a ``check_error`` row
per table it could not check). ``alert_findings`` sends the run's warn/fail rows as one grouped
message (``alerts.send_findings``), each finding with a dedupe key that carries D: re-running or
retrying a date within the suppression window sends nothing new, while each business date's findings
are alerted once (a backfill that finds fact_trial late on two dates says so twice).

Settings (``include/config/outfield.yaml``, section ``calibration``; defaults here):

- ``unresolved_amount_share_warn`` (0.05): warn when a merchant's share of order amount at stores
  without a known city exceeds it.
- ``volume_weeks`` (4), ``volume_min_history`` (3), ``volume_min_rel_deviation`` (0.25),
  ``volume_mad_k`` (3.0): the source_volume band (same weekday over the past weeks; median ± max(25 %
  of the median, k·1.4826·MAD)).
- ``gross_margin_floor`` ({merchant_id: floor}, default 0 for every merchant).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from outfield import checks, pgstats
from outfield.config import setting
from outfield.dates import day_bounds

log = logging.getLogger(__name__)

PIPELINE = "data_calibration_daily"
STORE_CITY = "store_city"
FUNNEL = "funnel_monotonic"
FRESHNESS = "source_freshness"
VOLUME = "source_volume"
PRIMARY_KEY = "primary_key"
NOT_NULL = "not_null"
GROSS_MARGIN = "gross_margin_floor"
CHECK_NAMES = (STORE_CITY, FUNNEL, FRESHNESS, VOLUME, PRIMARY_KEY, NOT_NULL, GROSS_MARGIN)  # the spec's seven
#: Beyond the spec's seven (issue #8): negative amounts and rows at unknown shops in the fact tables.
SOURCE_VALUES = "source_values"
ALERTED_CHECK_NAMES = (*CHECK_NAMES, SOURCE_VALUES)

WINDOW_DAYS = 7
INSERT_BATCH = 500


@dataclass(frozen=True)
class SourceTable:
    name: str
    key: str
    ts_column: str | None  # None: a dimension, checked over the whole table
    required: tuple[str, ...]  # not-null columns besides the key (the day's ts column is never null)


#: The spec's source tables: primary key, timestamp of "rows of D", required (not-null) columns.
SOURCE_TABLES: tuple[SourceTable, ...] = (
    SourceTable("dim_user", "user_pin", None, ()),
    SourceTable("dim_store", "shop_id", None, ("store_name", "merchant_id", "merchant_name", "channel")),
    SourceTable("fact_trial", "trial_id", "trial_at", ("user_pin", "shop_id", "amount", "result")),
    SourceTable("fact_txn", "txn_id", "created_at", ("user_pin", "shop_id", "amount", "status")),
    SourceTable("fact_order", "order_id", "paid_at",
                ("user_pin", "shop_id", "amount", "category", "gross_margin")),
    SourceTable("fact_redpacket_event", "event_id", "event_at", ("code_id", "shop_id", "event_type")),
)
FACT_TABLES = tuple(t for t in SOURCE_TABLES if t.ts_column)
#: What the multi-table checks join (PostgreSQL plans them from fresh statistics: outfield.pgstats).
PLANNED_TABLES = ("dim_store", "fact_trial", "fact_txn", "fact_order")


class ChecksIncomplete(RuntimeError):
    """Some tables could not be checked; the results of the others are written all the same."""

    def __init__(self, check: str, errors: Mapping[str, str], results: Sequence[checks.CheckResult]):
        self.errors = dict(errors)
        self.results = list(results)
        what = "; ".join(f"{t}: {e}" for t, e in self.errors.items())
        super().__init__(f"{check} could not check {len(self.errors)} table(s): {what}")


@dataclass
class StoreCityOutcome:
    stores: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    results: list[checks.CheckResult] = field(default_factory=list)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {line[:300]}" if line else type(exc).__name__


def _num(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _window(d: dt.date, days: int = WINDOW_DAYS) -> tuple[dt.datetime, dt.datetime]:
    """``[D-(days-1) 00:00, D+1 00:00)``: the ``days`` days ending D."""
    d_start, d_end = day_bounds(d)
    return d_start - dt.timedelta(days=days - 1), d_end


def _fmt_int(value: float) -> str:
    return f"{int(value):,}"


def _fmt_money(value: float) -> str:
    return f"¥{value:,.2f}"


# ----------------------------------------------------------------------------------------------
# store_city


def calibrate_store_city(wh: Any, d: dt.date) -> StoreCityOutcome:
    """Rebuild ``dim_store_calibrated`` whole (atomically) and write the ``store_city`` rows of D.

    Every store of dim_store gets one row: its source city when it has one (``'source'``, written in
    the naming convention of ``outfield.cities``), else the city its address names (``'address'``),
    else none (``'unresolved'``). Then per merchant, over the 7 days ending D:

    - ``unresolved_amount_share``: order amount at unresolved stores / the merchant's order amount;
      warn above ``calibration.unresolved_amount_share_warn`` (default 0.05); null (pass) when the
      merchant had no orders;
    - ``unresolved_stores`` and ``address_stores``: store counts (informational, always pass) — the
      stores themselves are the ``city_source = 'unresolved'`` rows of dim_store_calibrated.
    """
    pgstats.refresh(wh, PLANNED_TABLES)
    from outfield import cities

    wh.ensure_tables()
    stores = wh.query("calibration/stores_for_city.sql")
    rows = []
    for s in stores:
        city, source = cities.calibrate(s["city"], s["address"])
        rows.append({"shop_id": s["shop_id"], "city": city, "city_source": source})
    with wh.transaction():
        wh.execute("calibration/clear_store_calibrated.sql")
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start:start + INSERT_BATCH]
            params: dict[str, Any] = {"business_date": d}
            for i, r in enumerate(batch):
                params.update({f"shop_id_{i}": r["shop_id"], f"city_{i}": r["city"],
                               f"city_source_{i}": r["city_source"]})
            wh.execute("calibration/insert_store_calibrated.sql", params, n=len(batch))
    by_source: dict[str, int] = {}
    for r in rows:
        by_source[r["city_source"]] = by_source.get(r["city_source"], 0) + 1

    threshold = float(setting("calibration", "unresolved_amount_share_warn", default=0.05))
    w_start, d_end = _window(d)
    results: list[checks.CheckResult] = []
    for m in wh.query("calibration/unresolved_amount_share.sql", {"w_start": w_start, "d_end": d_end}):
        merchant = m["merchant_id"]
        name = m["merchant_name"] or merchant
        total, unresolved = _num(m["amount"]), _num(m["unresolved_amount"])
        n_stores, n_unres = int(m["stores"]), int(m["unresolved_stores"])
        share = unresolved / total if total > 0 else None
        if share is None:
            status, detail = "pass", f"{name}: no orders in the 7 days ending {d}; {n_unres} of {n_stores} stores without a city"
        else:
            status = "warn" if share > threshold else "pass"
            detail = (f"{name}: {share:.1%} of the order amount of the 7 days ending {d} "
                      f"({_fmt_money(unresolved)} of {_fmt_money(total)}) is at {int(m['unresolved_stores_with_orders'])} "
                      f"store(s) whose city is unknown ({n_unres} of {n_stores} stores unresolved, "
                      f"{int(m['address_stores'])} recovered from the address)")
        results.append(checks.CheckResult(
            check_name=STORE_CITY, business_date=d, subject=merchant, metric="unresolved_amount_share",
            value=share, threshold=f"<= {threshold:g}", status=status, detail=detail))
        results.append(checks.CheckResult(
            check_name=STORE_CITY, business_date=d, subject=merchant, metric="unresolved_stores",
            value=n_unres, threshold=None, status="pass",
            detail=f"{name}: {n_unres} of {n_stores} stores have no city in dim_store and none in their "
                   "address (informational; listed in dim_store_calibrated with city_source 'unresolved')"))
        results.append(checks.CheckResult(
            check_name=STORE_CITY, business_date=d, subject=merchant, metric="address_stores",
            value=int(m["address_stores"]), threshold=None, status="pass",
            detail=f"{name}: {int(m['address_stores'])} of {n_stores} stores have no city in dim_store; "
                   "it was recovered from the address (informational)"))
    checks.write_results(wh, [STORE_CITY], d, results)
    return StoreCityOutcome(stores=len(rows), by_source=by_source, results=results)


# ----------------------------------------------------------------------------------------------
# funnel_monotonic


def check_funnel(wh: Any, d: dt.date) -> list[checks.CheckResult]:
    """Per shop with activity on D: pass_users >= txn_users >= order_users, else a finding.

    A violating shop-day is one ``stage_excess_users`` row (subject shop_id, warn): the value is the
    largest excess of a later stage over an earlier one, the detail has the three numbers. One
    ``shops_checked`` row (no subject, pass) records how many shop-days were checked. Users are
    counted per calendar day, so a user who passed a trial just before midnight and paid just after
    can make a small shop-day look non-monotonic; the warn level (not fail) reflects that.
    """
    pgstats.refresh(wh, PLANNED_TABLES)
    d_start, d_end = day_bounds(d)
    shops = wh.query("calibration/funnel_by_shop.sql", {"d_start": d_start, "d_end": d_end})
    results = []
    for s in shops:
        p, t, o = int(s["pass_users"]), int(s["txn_users"]), int(s["order_users"])
        if p >= t >= o:
            continue
        problems = []
        if t > p:
            problems.append(f"transacting users exceed passing-trial users by {t - p}")
        if o > t:
            problems.append(f"ordering users exceed transacting users by {o - t} (suspected rows lost from fact_txn)")
        where = f"{s['store_name']} ({s['merchant_id']})" if s["store_name"] else "shop unknown to dim_store"
        results.append(checks.CheckResult(
            check_name=FUNNEL, business_date=d, subject=s["shop_id"], metric="stage_excess_users",
            value=max(t - p, o - t), threshold="pass_users >= txn_users >= order_users", status="warn",
            detail=(f"{s['shop_id']} {where} on {d}: pass_users={p}, txn_users={t}, order_users={o}: "
                    + "; ".join(problems))))
    results.append(checks.CheckResult(
        check_name=FUNNEL, business_date=d, subject=None, metric="shops_checked", value=len(shops),
        threshold=None, status="pass",
        detail=f"{len(shops)} shops with trials, transactions or orders on {d} checked; "
               f"{len(results)} not monotonic"))
    checks.write_results(wh, [FUNNEL], d, results)
    return results


# ----------------------------------------------------------------------------------------------
# source_freshness, source_volume


def check_freshness_volume(wh: Any, d: dt.date) -> list[checks.CheckResult]:
    """Per source fact table: rows of D (freshness: fail at 0) and their count against the band of
    the same weekday over the past ``volume_weeks`` weeks (volume: warn outside it).

    Past same weekdays without any row are left out of the history (a late day is not a volume); with
    fewer than ``volume_min_history`` points the volume passes with a note. Tables that cannot be
    counted get a ``check_error`` fail row and the step raises ``ChecksIncomplete`` after writing.
    """
    weeks = int(setting("calibration", "volume_weeks", default=4))
    min_history = int(setting("calibration", "volume_min_history", default=3))
    rel_floor = float(setting("calibration", "volume_min_rel_deviation", default=0.25))
    k = float(setting("calibration", "volume_mad_k", default=3.0))
    past_days = [d - dt.timedelta(days=7 * i) for i in range(1, weeks + 1)]
    day_params: dict[str, Any] = {}
    for i, day in enumerate([d, *past_days]):
        day_params[f"day_{i}"] = day
        day_params[f"start_{i}"], day_params[f"end_{i}"] = day_bounds(day)
    results: list[checks.CheckResult] = []
    errors: dict[str, str] = {}
    for table in FACT_TABLES:
        try:
            rows = wh.query("calibration/rows_of_same_weekdays.sql", day_params, n_days=len(past_days) + 1,
                            table=table.name, key=table.key, ts_column=table.ts_column)
        except Exception as exc:  # noqa: BLE001 - one table's error must not hide the others
            errors[table.name] = _first_line(exc)
            for name in (FRESHNESS, VOLUME):
                results.append(checks.CheckResult(
                    check_name=name, business_date=d, subject=table.name, metric="check_error", value=None,
                    threshold=None, status="fail", detail=f"could not count the rows of {table.name}: {errors[table.name]}"))
            continue
        by_day = {_as_date(r["day"]): int(r["n"]) for r in rows}
        n = by_day.get(d, 0)
        results.append(checks.CheckResult(
            check_name=FRESHNESS, business_date=d, subject=table.name, metric="rows_of_day", value=n,
            threshold="> 0", status="fail" if n == 0 else "pass",
            detail=(f"{table.name} has no rows for {d} (late or missing day)" if n == 0
                    else f"{table.name} has {_fmt_int(n)} rows for {d}")))
        history = [by_day[day] for day in past_days if by_day.get(day, 0) > 0]
        band = checks.robust_band(history, rel_floor=rel_floor, k=k, min_history=min_history)
        weekday = d.strftime("%A")
        if not band.known:
            status = "pass"
            detail = (f"{table.name}: {_fmt_int(n)} rows on {d}; {band.note} "
                      f"({len(history)} of the last {weeks} {weekday}s have rows): pass")
        else:
            status = "pass" if band.contains(n) else "warn"
            change = (n - band.expected) / band.expected if band.expected else 0.0
            detail = (f"{table.name}: {_fmt_int(n)} rows on {d} ({weekday}), expected {band.expected:,.0f} "
                      f"({change:+.0%}), band [{band.low:,.0f}, {band.high:,.0f}] from the last {weeks} {weekday}s "
                      f"{[by_day.get(day, 0) for day in past_days]}")
        results.append(checks.CheckResult(
            check_name=VOLUME, business_date=d, subject=table.name, metric="rows_of_day", value=n,
            threshold=band.describe("{:.0f}"), status=status, detail=detail))
    checks.write_results(wh, [FRESHNESS, VOLUME], d, results)
    if errors:
        raise ChecksIncomplete("source_freshness/source_volume", errors, results)
    return results


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ----------------------------------------------------------------------------------------------
# primary_key, not_null


def check_keys_and_nulls(wh: Any, d: dt.date, tables: Iterable[SourceTable] = SOURCE_TABLES) -> list[checks.CheckResult]:
    """Primary-key uniqueness and required columns of every source table (fact tables: rows of D;
    dimensions: the whole table).

    ``primary_key`` rows per table: ``duplicate_rows`` (rows beyond the first of a repeated key;
    warn, since every pipeline counts them once) and ``conflicting_keys`` (repeated keys whose rows
    differ, so the kept row is arbitrary; fail). ``not_null`` rows per required column:
    ``null_<column>`` (warn; such rows are left out or counted 0). A table that cannot be checked
    gets ``check_error`` fail rows; the others are still checked and written, then the step raises.
    """
    d_start, d_end = day_bounds(d)
    params = {"d_start": d_start, "d_end": d_end}
    results: list[checks.CheckResult] = []
    errors: dict[str, str] = {}
    for t in tables:
        scope = f"rows of {d}" if t.ts_column else "whole table"
        try:
            dup = wh.query("calibration/key_duplicates.sql", params, table=t.name, key=t.key,
                           ts_column=t.ts_column)[0]
            columns = [t.key, *t.required]
            nulls = wh.query("calibration/null_counts.sql", params, table=t.name, columns=columns,
                             ts_column=t.ts_column)[0]
        except Exception as exc:  # noqa: BLE001 - one table's error must not hide the others
            errors[t.name] = _first_line(exc)
            for name in (PRIMARY_KEY, NOT_NULL):
                results.append(checks.CheckResult(
                    check_name=name, business_date=d, subject=t.name, metric="check_error", value=None,
                    threshold=None, status="fail", detail=f"could not check {t.name}: {errors[t.name]}"))
            continue
        n_rows = int(dup["rows_checked"])
        dup_rows, dup_keys, conflicts = int(dup["duplicate_rows"]), int(dup["duplicated_keys"]), int(dup["conflicting_keys"])
        results.append(checks.CheckResult(
            check_name=PRIMARY_KEY, business_date=d, subject=t.name, metric="duplicate_rows", value=dup_rows,
            threshold="0", status="warn" if dup_rows else "pass",
            detail=(f"{t.name}.{t.key} ({scope}, {_fmt_int(n_rows)} rows): {dup_rows} extra row(s) repeat "
                    f"{dup_keys} key(s); counted once everywhere" if dup_rows
                    else f"{t.name}.{t.key} unique ({scope}, {_fmt_int(n_rows)} rows)")))
        results.append(checks.CheckResult(
            check_name=PRIMARY_KEY, business_date=d, subject=t.name, metric="conflicting_keys", value=conflicts,
            threshold="0", status="fail" if conflicts else "pass",
            detail=(f"{t.name}.{t.key} ({scope}): {conflicts} repeated key(s) with differing rows; the "
                    "pipelines keep one of them, so numbers built on the others may be wrong" if conflicts
                    else f"{t.name}.{t.key}: no repeated key with differing rows ({scope})")))
        for c in columns:
            n_null = int(nulls[f"null_{c}"])
            results.append(checks.CheckResult(
                check_name=NOT_NULL, business_date=d, subject=t.name, metric=f"null_{c}", value=n_null,
                threshold="0", status="warn" if n_null else "pass",
                detail=(f"{t.name}.{c} is null in {n_null} of {_fmt_int(n_rows)} rows ({scope})" if n_null
                        else f"{t.name}.{c} never null ({scope}, {_fmt_int(n_rows)} rows)")))
    checks.write_results(wh, [PRIMARY_KEY, NOT_NULL], d, results, subjects=[t.name for t in tables])
    if errors:
        raise ChecksIncomplete("primary_key/not_null", errors, results)
    return results


# ----------------------------------------------------------------------------------------------
# source_values


def check_source_values(wh: Any, d: dt.date, tables: Iterable[SourceTable] = FACT_TABLES) -> list[checks.CheckResult]:
    """Dirty values among the rows of D of each fact table that no spec check reports.

    ``source_values`` rows per table: ``negative_amount_rows`` (amount < 0) and ``unknown_shop_rows``
    (a shop_id dim_store does not know: the row drops out of every per-store number); warn above 0,
    with an example id. Null user_pins are ``not_null`` findings. The pipelines take such rows as
    they come (a negative amount is summed) or leave them out (an unknown shop); they never crash on
    them. A table that cannot be checked gets a ``check_error`` fail row, then the step raises.
    """
    d_start, d_end = day_bounds(d)
    results: list[checks.CheckResult] = []
    errors: dict[str, str] = {}
    for t in tables:
        try:
            r = wh.query("calibration/value_defects.sql", {"d_start": d_start, "d_end": d_end},
                         table=t.name, key=t.key, ts_column=t.ts_column)[0]
        except Exception as exc:  # noqa: BLE001 - one table's error must not hide the others
            errors[t.name] = _first_line(exc)
            results.append(checks.CheckResult(
                check_name=SOURCE_VALUES, business_date=d, subject=t.name, metric="check_error", value=None,
                threshold=None, status="fail", detail=f"could not check {t.name}: {errors[t.name]}"))
            continue
        n_rows = _fmt_int(int(r["rows_checked"]))
        negative, unknown = int(r["negative_amount_rows"]), int(r["unknown_shop_rows"])
        results.append(checks.CheckResult(
            check_name=SOURCE_VALUES, business_date=d, subject=t.name, metric="negative_amount_rows",
            value=negative, threshold="0", status="warn" if negative else "pass",
            detail=(f"{t.name}.amount < 0 in {negative} of {n_rows} rows of {d} (e.g. {t.key} "
                    f"{r['negative_amount_example']}); summed as they are into the amounts built on them"
                    if negative else f"{t.name}.amount never negative ({n_rows} rows of {d})")))
        results.append(checks.CheckResult(
            check_name=SOURCE_VALUES, business_date=d, subject=t.name, metric="unknown_shop_rows",
            value=unknown, threshold="0", status="warn" if unknown else "pass",
            detail=(f"{unknown} of {n_rows} rows of {d} at {int(r['unknown_shops'])} shop_id(s) that dim_store "
                    f"does not know (e.g. {r['unknown_shop_example']}); left out of every per-store number"
                    if unknown else f"every shop_id known to dim_store ({n_rows} rows of {d})")))
    checks.write_results(wh, [SOURCE_VALUES], d, results, subjects=[t.name for t in tables])
    if errors:
        raise ChecksIncomplete(SOURCE_VALUES, errors, results)
    return results


# ----------------------------------------------------------------------------------------------
# gross_margin_floor


def gross_margin_floor(merchant_id: str) -> float:
    floors = setting("calibration", "gross_margin_floor", default=None)
    if isinstance(floors, Mapping) and floors.get(merchant_id) is not None:
        return float(floors[merchant_id])
    return 0.0


def check_gross_margin(wh: Any, d: dt.date) -> list[checks.CheckResult]:
    """Per merchant: gross margin of the success orders of the 7 days ending D (a repeated order
    once) against ``calibration.gross_margin_floor.<merchant_id>`` (default 0); below it: fail."""
    pgstats.refresh(wh, PLANNED_TABLES)
    w_start, d_end = _window(d)
    results = []
    for m in wh.query("calibration/gross_margin_by_merchant.sql", {"w_start": w_start, "d_end": d_end}):
        floor = gross_margin_floor(m["merchant_id"])
        margin = _num(m["gross_margin"])
        below = margin < floor
        name = m["merchant_name"] or m["merchant_id"]
        results.append(checks.CheckResult(
            check_name=GROSS_MARGIN, business_date=d, subject=m["merchant_id"], metric="gross_margin_7d",
            value=margin, threshold=f">= {floor:g}", status="fail" if below else "pass",
            detail=(f"{name}: gross margin {_fmt_money(margin)} over {int(m['orders'])} success orders "
                    f"({_fmt_money(_num(m['amount']))}) in the 7 days ending {d} "
                    + (f"is below the floor {_fmt_money(floor)} by {_fmt_money(floor - margin)}" if below
                       else f"is at or above the floor {_fmt_money(floor)}"))))
    checks.write_results(wh, [GROSS_MARGIN], d, results)
    return results


# ----------------------------------------------------------------------------------------------
# alerts


def dedupe_key(check_name: str, subject: str | None, metric: str, business_date: dt.date | str) -> str:
    """``check:subject:metric:D`` — the same finding of the same business date (as churn_rate and crowd keys).

    With the date in the key the suppression window stops a re-run or retry of D from repeating D's
    alert. Without it (as before) a backfill hid every date's finding but the first, and whether a
    persisting defect was repeated the next morning depended on the run starting a little before or
    after 24 h after the previous one.
    """
    return f"{check_name}:{subject or '-'}:{metric}:{business_date}"


def _fmt_value(value: Any) -> str:
    if value is None:
        return "n/a"
    v = float(value)
    if v == int(v):
        return f"{v:,.0f}"
    return f"{v:,.2f}" if abs(v) >= 1 else f"{v:.4g}"


def finding_lines(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(dedupe key, message line) per warn/fail row: what, where, the number, the expected band."""
    out = []
    for r in rows:
        icon = ":red_circle:" if r["status"] == "fail" else ":warning:"
        expected = f"; expected {r['threshold']}" if r.get("threshold") else ""
        line = (f"{icon} *{r['check_name']}* {r['status'].upper()} `{r['subject'] or '-'}` "
                f"{r['metric']} = {_fmt_value(r['value'])}{expected} — {r['detail']}")
        out.append((dedupe_key(r["check_name"], r["subject"], r["metric"], r["business_date"]), line))
    return out


def findings_of_day(wh: Any, d: dt.date) -> list[dict[str, Any]]:
    return wh.query("calibration/findings_for_day.sql", {"business_date": d}, check_names=list(ALERTED_CHECK_NAMES))


def alert_findings(wh: Any, d: dt.date, link: str | None = None,
                   incomplete: Sequence[str] = ()) -> dict[str, Any]:
    """One message for the run: every warn/fail row of D not alerted within the suppression window.

    ``incomplete`` names checks that could not run (their task failed): said in the title, and the
    task failure alerts say why.
    """
    from outfield import alerts

    rows = findings_of_day(wh, d)
    findings = finding_lines(rows)
    n_fail = sum(1 for r in rows if r["status"] == "fail")
    title = f"数据校准 data calibration {d}: {n_fail} fail, {len(rows) - n_fail} warn"
    if incomplete:
        title += f" (not checked: {', '.join(incomplete)})"
    outcome = alerts.send_findings(PIPELINE, title, findings, link)
    outcome["findings"] = len(rows)
    log.info("Data calibration %s: %d findings, alert %s (%d sent, %d suppressed)", d, len(rows),
             outcome.get("status"), len(outcome.get("sent_keys", [])), len(outcome.get("suppressed_keys", [])))
    return outcome


def summary(results: Iterable[checks.CheckResult]) -> dict[str, int]:
    """Counts by status (for the task's return value / XCom)."""
    out = {"pass": 0, "warn": 0, "fail": 0}
    for r in results:
        out[r.status] += 1
    return out
