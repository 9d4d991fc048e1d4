"""Defect injection for the demo warehouse: put, on a chosen day, each defect the pipelines must catch.

``inject(wh, name, day, **opts)`` mutates an already generated warehouse (any
:class:`~outfield.warehouse.Warehouse`, DuckDB or PostgreSQL) in one transaction and returns what it
did, including ``caught_by``: the check (``check_name``, subject, metric) that must report it in the
run that sees it. Every statement is a file under ``include/sql/demo_defects/``; values are bound
parameters, table and column names come from the fixed lists below (validated identifiers), and key
lists travel through the scratch table ``demo_defect_keys`` (filled with ``Warehouse.copy_rows``).
Choices among rows (which shops, which users) are made in Python with a seeded ``random.Random``,
so the same warehouse, name, day and options give the same rows.

=================  ==========================================================  =======================
name               what it does on day D                                         caught by
=================  ==========================================================  =======================
``late_table``     moves D's rows of ``table`` (default ``fact_order``) into      ``source_freshness``
                   ``demo_late_<table>``; ``arrive(wh, table, D)`` puts them      fail; the churn list's
                   back (the day "arrives late")                                  wait names the table
``txn_loss``       deletes D's ``fact_txn`` rows at the ``shops`` (default 3)     ``funnel_monotonic``
                   busiest offline shops; their orders stay                       warn per shop
``duplicate_keys`` repeats ``rows`` (default 5) of D's rows of ``table``          ``primary_key``
                   (default ``fact_trial``); ``conflicting=True`` changes the     ``duplicate_rows``
                   copy's amount                                                  warn (+ ``conflicting
                                                                                  _keys`` fail)
``missing_city``   new stores with a null / ``''`` / ``'  '`` city and a          ``store_city``
                   district-only address take over D's trials, transactions and   ``unresolved_amount_
                   orders of the busiest offline stores of ``merchant`` (default  share`` warn
                   ``M_LENOVO``) holding ``share`` (0.6) of its order amount of D
``volume_drop``    deletes every row of D of ``fraction`` (0.6) of D's users in   ``source_volume`` warn
                   ``tables`` (default the four fact tables; anonymous red-packet per table (needs 3
                   scans too)                                                     past same weekdays)
``churn_spike``    ``fraction`` (0.5) of the users who passed a trial at an       ``churn_rate`` warn
                   offline store of ``merchant`` (``M_LENOVO``) and bought there  (needs 3 past same
                   on D do not buy: orders (and their redeems) deleted, success   weekdays)
                   transactions cancelled
``crowd_jump``     a batch of new users (``UN<yymmdd><n>``, no phone, no order)   crowd change anomaly of
                   activated at D 12:00, ``grow`` (0.5) times the size of         the build as of D+1
                   ``no_first_order`` as of D+1: that segment jumps by +50 %      (``no_first_order``)
``negative_amount`` ``rows`` (3) of D's rows of ``table`` (``fact_order``) get a  ``source_values``
                   negative amount                                                ``negative_amount_rows``
``unknown_shop``   ``rows`` (3) of D's rows of ``table`` (``fact_order``) move to ``source_values``
                   a shop_id dim_store does not know (``SX<yymmdd>``)             ``unknown_shop_rows``
``null_user_pin``  ``rows`` (3) of D's rows of ``table`` (``fact_trial``) lose     ``not_null``
                   their user_pin                                                 ``null_user_pin``
=================  ==========================================================  =======================

``clean(wh)`` removes the generator's built-in documented defects (see ``outfield.demo``) after
generation, since the generator has no switch for them and a lost row cannot be un-lost:

- every source table is reduced to one row per primary key (the generator's duplicates are exact
  copies) and rows without a key or a required column (calibration's list) are dropped, which removes
  the null-user_pin trials; rows at shops dim_store does not know are dropped (``S990001``...);
- the transactions lost from ``fact_txn`` are rebuilt from the orders that point at them (a
  ``success`` row at the order's ``paid_at``, user, shop and amount; ``trial_id`` null);
- stores with a null or blank city get one: from the address (``outfield.cities``), else for a
  district-only address the demo city whose district and street it names (``reference.py``).

The result: a warehouse on which every daily pipeline reports no warn or fail (this is tested in
``tests/reliability``), so that an injected defect is the only finding.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from typing import Any

from outfield.dates import day_bounds, parse_date

DEFECTS = ("late_table", "txn_loss", "duplicate_keys", "missing_city", "volume_drop", "churn_spike", "crowd_jump",
           "negative_amount", "unknown_shop", "null_user_pin")

#: Source fact tables: (timestamp column, primary key, a non-null amount column or None).
FACT_TABLES: dict[str, tuple[str, str, str | None]] = {
    "fact_trial": ("trial_at", "trial_id", "amount"),
    "fact_txn": ("created_at", "txn_id", "amount"),
    "fact_order": ("paid_at", "order_id", "amount"),
    "fact_redpacket_event": ("event_at", "event_id", None),
}
KEYS_TABLE = "demo_defect_keys"
HOLD_PREFIX = "demo_late_"
#: District-only addresses: 朝阳区 is in 北京 and in 长春, so no city can be recovered from them.
DISTRICT_ONLY_STREETS = ("朝阳区建国路", "朝阳区人民大街", "朝阳区工农大路")
BLANK_CITIES = (None, "", "  ")
NEW_SHOP_PREFIX = "SN"
NEW_USER_PREFIX = "UN"


class DefectError(ValueError):
    """An unknown defect, a bad option, or nothing on the day to inject into."""


# ---------------------------------------------------------------------------------------------- helpers


def _rng(name: str, day: dt.date, seed: int) -> random.Random:
    return random.Random(f"{name}:{day.isoformat()}:{seed}")


def _bounds(day: dt.date) -> dict[str, dt.datetime]:
    d_start, d_end = day_bounds(day)
    return {"d_start": d_start, "d_end": d_end}


def _fact(table: str) -> tuple[str, str, str | None]:
    if table not in FACT_TABLES:
        raise DefectError(f"table must be one of {', '.join(FACT_TABLES)}, got {table!r}")
    return FACT_TABLES[table]


def _fraction(value: Any, what: str) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DefectError(f"{what} must be a number between 0 and 1, got {value!r}") from None
    if not 0 < f <= 1:
        raise DefectError(f"{what} must be in (0, 1], got {value!r}")
    return f


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DefectError(f"{what} must be a whole number >= 1, got {value!r}")
    return value


def _values(rows: Iterable[dict[str, Any]]) -> list[str]:
    return [str(r["k"]) for r in rows]


def _set_keys(wh: Any, keys: Sequence[str]) -> None:
    """The scratch list ``demo_defect_keys`` holds exactly ``keys`` (bound values / COPY)."""
    wh.execute("demo_defects/keys_drop.sql")
    wh.execute("demo_defects/keys_create.sql")
    if keys:
        wh.copy_rows(KEYS_TABLE, ["k"], [(k,) for k in keys])


def _drop_keys(wh: Any) -> None:
    wh.execute("demo_defects/keys_drop.sql")


def _pick(rng: random.Random, values: Sequence[str], fraction: float) -> list[str]:
    n = max(1, round(len(values) * fraction)) if values else 0
    return sorted(rng.sample(list(values), n))


def _pick_day_keys(wh: Any, name: str, day: dt.date, rng: random.Random, table: str, rows: Any) -> list[str]:
    """``rows`` primary keys of D's rows of fact ``table``, picked with ``rng`` (sorted)."""
    ts, key, _ = _fact(table)
    rows = _count(rows, "rows")
    keys = _values(wh.query("demo_defects/day_values.sql", _bounds(day), table=table, column=key, ts_column=ts))
    if not keys:
        raise DefectError(f"{name}: {table} has no rows on {day}")
    return sorted(rng.sample(keys, min(rows, len(keys))))


def _result(name: str, day: dt.date, tables: list[str], description: str, caught_by: list[dict[str, Any]],
            **detail: Any) -> dict[str, Any]:
    return {"name": name, "day": day.isoformat(), "tables": tables, "description": description,
            "caught_by": caught_by, "detail": detail}


def _expect(check: str, subject: str | None, metric: str, status: str = "warn", **more: Any) -> dict[str, Any]:
    return {"check": check, "subject": subject, "metric": metric, "status": status, **more}


# ---------------------------------------------------------------------------------------------- defects


def _late_table(wh: Any, day: dt.date, rng: random.Random, table: str = "fact_order") -> dict[str, Any]:
    ts, _, _ = _fact(table)
    hold = HOLD_PREFIX + table
    b = _bounds(day)
    wh.execute("demo_defects/hold_create.sql", hold=hold, table=table)
    wh.execute("demo_defects/copy_day_rows.sql", b, target=hold, source=table, ts_column=ts)
    moved = wh.execute("demo_defects/delete_day_rows.sql", b, table=table, ts_column=ts, key_column=None)
    caught = [_expect("source_freshness", table, "rows_of_day", "fail")]
    if table in ("fact_trial", "fact_order"):
        caught.append({"check": "churn_source_wait", "subject": table, "metric": "late_tables", "status": "fail"})
    return _result("late_table", day, [table],
                   f"{table} has no rows for {day} yet (held in {hold}; outfield.demo.defects.arrive puts them back)",
                   caught, table=table, hold_table=hold, rows_held=moved)


def arrive(wh: Any, table: str, day: dt.date | str) -> int:
    """The late rows of ``table`` for ``day`` arrive: move them back from ``demo_late_<table>``."""
    day = parse_date(day, "day")
    ts, _, _ = _fact(table)
    hold = HOLD_PREFIX + table
    b = _bounds(day)
    with wh.transaction():
        wh.execute("demo_defects/hold_create.sql", hold=hold, table=table)
        wh.execute("demo_defects/copy_day_rows.sql", b, target=table, source=hold, ts_column=ts)
        return wh.execute("demo_defects/delete_day_rows.sql", b, table=hold, ts_column=ts, key_column=None)


def _txn_loss(wh: Any, day: dt.date, rng: random.Random, shops: int = 3) -> dict[str, Any]:
    shops = _count(shops, "shops")
    b = _bounds(day)
    ranked = wh.query("demo_defects/offline_shops_by_orders.sql", b, by_merchant=False)
    if not ranked:
        raise DefectError(f"txn_loss: no orders at offline shops on {day}")
    top = [r["shop_id"] for r in ranked[: max(shops * 3, shops)]]
    chosen = sorted(rng.sample(top, min(shops, len(top))))
    users = {r["shop_id"]: int(r["order_users"]) for r in ranked}
    _set_keys(wh, chosen)
    lost = wh.execute("demo_defects/delete_day_rows.sql", b, table="fact_txn", ts_column="created_at",
                      key_column="shop_id")
    _drop_keys(wh)
    return _result("txn_loss", day, ["fact_txn"],
                   f"fact_txn lost its rows of {day} at {len(chosen)} offline shops ({', '.join(chosen)}); "
                   "their orders are kept, so ordering users > transacting users there",
                   [_expect("funnel_monotonic", s, "stage_excess_users") for s in chosen],
                   shops=chosen, ordering_users={s: users[s] for s in chosen}, txn_rows_deleted=lost)


def _duplicate_keys(wh: Any, day: dt.date, rng: random.Random, table: str = "fact_trial", rows: int = 5,
                    conflicting: bool = False) -> dict[str, Any]:
    ts, key, amount = _fact(table)
    if conflicting and amount is None:
        raise DefectError(f"duplicate_keys: conflicting copies need an amount column; {table} has none")
    b = _bounds(day)
    chosen = _pick_day_keys(wh, "duplicate_keys", day, rng, table, rows)
    from outfield.demo import SOURCE_COLUMNS

    _set_keys(wh, chosen)
    wh.execute("demo_defects/duplicate_day_rows.sql", b, table=table, key=key, ts_column=ts,
               columns=list(SOURCE_COLUMNS[table]), bump=amount if conflicting else None)
    _drop_keys(wh)
    caught = [_expect("primary_key", table, "duplicate_rows", value=len(chosen))]
    if conflicting:
        caught.append(_expect("primary_key", table, "conflicting_keys", "fail", value=len(chosen)))
    return _result("duplicate_keys", day, [table],
                   f"{len(chosen)} {table} rows of {day} repeated"
                   + (" with a different amount (conflicting)" if conflicting else " exactly"),
                   caught, table=table, keys=chosen, conflicting=bool(conflicting))


def _missing_city(wh: Any, day: dt.date, rng: random.Random, merchant: str = "M_LENOVO",
                  share: float = 0.6) -> dict[str, Any]:
    share = _fraction(share, "share")
    b = _bounds(day)
    ranked = wh.query("demo_defects/offline_shops_by_orders.sql", {**b, "merchant_id": merchant}, by_merchant=True)
    total = sum(float(r["amount"] or 0) for r in ranked)
    if total <= 0:
        raise DefectError(f"missing_city: {merchant} has no orders at offline stores on {day}")
    chosen: list[tuple[str, float]] = []
    moved = 0.0
    for r in sorted(ranked, key=lambda r: (-float(r["amount"] or 0), r["shop_id"])):
        if moved >= share * total:
            break
        chosen.append((r["shop_id"], float(r["amount"] or 0)))
        moved += float(r["amount"] or 0)
    new_shops = {}
    for i, (old, _) in enumerate(chosen):
        new = f"{NEW_SHOP_PREFIX}{day.strftime('%y%m%d')}{i + 1:02d}"
        street = DISTRICT_ONLY_STREETS[i % len(DISTRICT_ONLY_STREETS)]
        wh.execute("demo_defects/store_copy.sql", {
            "new_shop_id": new, "old_shop_id": old, "name_suffix": f"(新店{i + 1})",
            "address": f"{street}{rng.randint(1, 399)}号", "city": BLANK_CITIES[i % len(BLANK_CITIES)]})
        for table in ("fact_trial", "fact_txn", "fact_order"):
            ts, _, _ = FACT_TABLES[table]
            wh.execute("demo_defects/move_day_rows.sql", {**b, "new_shop_id": new, "old_shop_id": old},
                       table=table, ts_column=ts)
        new_shops[new] = old
    return _result("missing_city", day, ["dim_store", "fact_trial", "fact_txn", "fact_order"],
                   f"{len(new_shops)} new {merchant} stores with a null or blank city and a district-only address "
                   f"took over {moved / total:.0%} of its order amount of {day}",
                   [_expect("store_city", merchant, "unresolved_amount_share")],
                   merchant=merchant, new_shops=new_shops, day_amount=round(total, 2),
                   moved_amount=round(moved, 2))


def _volume_drop(wh: Any, day: dt.date, rng: random.Random, fraction: float = 0.6,
                 tables: Sequence[str] = tuple(FACT_TABLES)) -> dict[str, Any]:
    fraction = _fraction(fraction, "fraction")
    tables = list(dict.fromkeys(tables))
    for t in tables:
        _fact(t)
    b = _bounds(day)
    users: set[str] = set()
    for t in tables:
        ts, _, _ = FACT_TABLES[t]
        users.update(_values(wh.query("demo_defects/day_values.sql", b, table=t, column="user_pin", ts_column=ts)))
    if not users:
        raise DefectError(f"volume_drop: no rows on {day} in {', '.join(tables)}")
    dropped = _pick(rng, sorted(users), fraction)
    deleted: dict[str, int] = {}
    _set_keys(wh, dropped)
    for t in tables:
        ts, _, _ = FACT_TABLES[t]
        deleted[t] = wh.execute("demo_defects/delete_day_rows.sql", b, table=t, ts_column=ts, key_column="user_pin")
    if "fact_redpacket_event" in tables:  # anonymous scans (user_pin null) drop by the same fraction
        anonymous = _values(wh.query("demo_defects/anonymous_events.sql", b))
        if anonymous:
            _set_keys(wh, _pick(rng, anonymous, fraction))
            deleted["fact_redpacket_event"] += wh.execute("demo_defects/delete_day_rows.sql", b,
                                                          table="fact_redpacket_event", ts_column="event_at",
                                                          key_column="event_id")
    _drop_keys(wh)
    return _result("volume_drop", day, tables,
                   f"{fraction:.0%} of the users of {day} lost every row in {', '.join(tables)}",
                   [_expect("source_volume", t, "rows_of_day") for t in tables],
                   fraction=fraction, users=len(users), users_dropped=len(dropped), rows_deleted=deleted)


def _churn_spike(wh: Any, day: dt.date, rng: random.Random, merchant: str = "M_LENOVO",
                 fraction: float = 0.5) -> dict[str, Any]:
    fraction = _fraction(fraction, "fraction")
    b = {**_bounds(day), "merchant_id": merchant}
    converted = _values(wh.query("demo_defects/converted_users.sql", b))
    if not converted:
        raise DefectError(f"churn_spike: no converted offline users of {merchant} on {day}")
    chosen = _pick(rng, converted, fraction)
    _set_keys(wh, chosen)
    for part in ("redeems", "txns", "orders"):
        wh.execute("demo_defects/unconvert.sql", b, part=part)
    _drop_keys(wh)
    return _result("churn_spike", day, ["fact_order", "fact_txn", "fact_redpacket_event"],
                   f"{len(chosen)} of the {len(converted)} users who passed a trial and bought at {merchant} "
                   f"on {day} did not buy (orders and redeems deleted, transactions cancelled)",
                   [_expect("churn_rate", merchant, "churn_rate")],
                   merchant=merchant, converted_users=len(converted), unconverted_users=len(chosen))


def _crowd_jump(wh: Any, day: dt.date, rng: random.Random, grow: float = 0.5) -> dict[str, Any]:
    grow = _fraction(grow, "grow")
    as_of = day + dt.timedelta(days=1)
    a_start, _ = day_bounds(as_of)
    before = int(wh.query("demo_defects/no_first_order_users.sql", {"a_start": a_start})[0]["n"])
    n = max(1, round(before * grow))
    activated_at = dt.datetime.combine(day, dt.time(12, 0))
    pins = [f"{NEW_USER_PREFIX}{day.strftime('%y%m%d')}{i:06d}" for i in range(1, n + 1)]
    wh.copy_rows("dim_user", ["user_pin", "phone", "bt_activated_at"], [(p, None, activated_at) for p in pins])
    return _result("crowd_jump", day, ["dim_user"],
                   f"a batch of {n} new users activated Baitiao on {day} (no orders): segment no_first_order of "
                   f"every crowd built as of {as_of} grows from {before} by {n / max(before, 1):.0%}",
                   [_expect("crowd_change", "no_first_order", "users", as_of_date=as_of.isoformat())],
                   users_added=n, no_first_order_before=before, as_of_date=as_of.isoformat())


def _spoil(wh: Any, name: str, day: dt.date, rng: random.Random, table: str, rows: int, column: str,
           value: str, params: dict[str, Any] | None = None) -> list[str]:
    """Set ``column`` of ``rows`` random rows of D of ``table`` (keys picked with ``rng``)."""
    ts, key, _ = _fact(table)
    b = _bounds(day)
    chosen = _pick_day_keys(wh, name, day, rng, table, rows)
    _set_keys(wh, chosen)
    wh.execute("demo_defects/set_day_values.sql", {**b, **(params or {})}, table=table, key=key, ts_column=ts,
               column=column, value=value)
    _drop_keys(wh)
    return chosen


def _negative_amount(wh: Any, day: dt.date, rng: random.Random, table: str = "fact_order",
                     rows: int = 3) -> dict[str, Any]:
    if table == "fact_redpacket_event":
        raise DefectError("negative_amount: fact_redpacket_event amounts are mostly null; pick another table")
    keys = _spoil(wh, "negative_amount", day, rng, table, rows, "amount", "negate")
    return _result("negative_amount", day, [table], f"{len(keys)} {table} rows of {day} got a negative amount",
                   [_expect("source_values", table, "negative_amount_rows", value=len(keys))], table=table, keys=keys)


def _unknown_shop(wh: Any, day: dt.date, rng: random.Random, table: str = "fact_order", rows: int = 3) -> dict[str, Any]:
    shop = f"SX{day.strftime('%y%m%d')}"
    keys = _spoil(wh, "unknown_shop", day, rng, table, rows, "shop_id", "bound", {"new_value": shop})
    caught = [_expect("source_values", table, "unknown_shop_rows", value=len(keys))]
    if table == "fact_trial":
        caught.append(_expect("churn_input", "fact_trial", "trials_at_unknown_shop", value=len(keys)))
    return _result("unknown_shop", day, [table], f"{len(keys)} {table} rows of {day} moved to shop {shop}, "
                   "which dim_store does not know", caught, table=table, keys=keys, shop_id=shop)


def _null_user_pin(wh: Any, day: dt.date, rng: random.Random, table: str = "fact_trial",
                   rows: int = 3) -> dict[str, Any]:
    keys = _spoil(wh, "null_user_pin", day, rng, table, rows, "user_pin", "null")
    caught = [_expect("not_null", table, "null_user_pin", value=len(keys))]
    if table == "fact_trial":
        caught.append(_expect("churn_input", "fact_trial", "trials_without_user_pin", value=len(keys)))
    return _result("null_user_pin", day, [table], f"{len(keys)} {table} rows of {day} lost their user_pin",
                   caught, table=table, keys=keys)


_INJECTORS = {
    "late_table": _late_table,
    "txn_loss": _txn_loss,
    "duplicate_keys": _duplicate_keys,
    "missing_city": _missing_city,
    "volume_drop": _volume_drop,
    "churn_spike": _churn_spike,
    "crowd_jump": _crowd_jump,
    "negative_amount": _negative_amount,
    "unknown_shop": _unknown_shop,
    "null_user_pin": _null_user_pin,
}


def inject(wh: Any, name: str, day: dt.date | str, *, seed: int = 0, **opts: Any) -> dict[str, Any]:
    """Inject defect ``name`` on ``day`` into the warehouse, in one transaction; return what was done.

    The result has ``name``, ``day``, ``tables``, ``description``, ``detail`` and ``caught_by``: the
    checks (``check``, ``subject``, ``metric``, ``status``) that must report it.
    """
    if name not in _INJECTORS:
        raise DefectError(f"unknown defect {name!r}; one of {', '.join(DEFECTS)}")
    day = parse_date(day, "day")
    with wh.transaction():
        return _INJECTORS[name](wh, day, _rng(name, day, seed), **opts)


def parse_spec(spec: str) -> tuple[str, dt.date]:
    """``NAME@YYYY-MM-DD`` (the demo CLI's ``--inject``) -> (name, day)."""
    name, sep, day = str(spec).partition("@")
    if not sep or name not in _INJECTORS:
        raise DefectError(f"--inject wants NAME@YYYY-MM-DD with NAME one of {', '.join(DEFECTS)}, got {spec!r}")
    return name, parse_date(day, f"--inject {name}@ date")


# ---------------------------------------------------------------------------------------------- clean


def _guess_city(address: str | None) -> str | None:
    """A city for a district-only address: the demo city whose district and street it names."""
    if not address:
        return None
    try:
        from outfield.demo import reference as ref

        for city in ref.CITIES:
            for district in city.districts:
                for street, _ in district.places:
                    if address.startswith(f"{district.name}{street}"):
                        return city.city
    except Exception:  # noqa: BLE001 - the reference module's shape is not this module's contract
        return None
    return None


def clean(wh: Any) -> dict[str, Any]:
    """Remove the generator's built-in defects (duplicates, incomplete rows, unknown shops, lost
    transactions, stores without a city), in one transaction; return what was repaired."""
    from outfield import cities
    from outfield.calibration import SOURCE_TABLES as CHECKED
    from outfield.demo import SOURCE_COLUMNS

    repaired: dict[str, Any] = {"duplicate_rows": {}, "incomplete_rows": {}, "unknown_shop_rows": {}}
    with wh.transaction():
        for t in CHECKED:
            columns = list(SOURCE_COLUMNS[t.name])
            dups = int(wh.query("demo_defects/count_duplicate_keys.sql", table=t.name, key=t.key)[0]["n"])
            if dups:
                wh.execute("demo_defects/scratch.sql", part="drop", table=t.name, columns=columns)
                wh.execute("demo_defects/dedupe_to_scratch.sql", table=t.name, key=t.key, columns=columns)
                wh.execute("demo_defects/scratch.sql", part="empty", table=t.name, columns=columns)
                wh.execute("demo_defects/scratch.sql", part="fill", table=t.name, columns=columns)
                wh.execute("demo_defects/scratch.sql", part="drop", table=t.name, columns=columns)
                repaired["duplicate_rows"][t.name] = dups
            n = wh.execute("demo_defects/delete_incomplete_rows.sql", table=t.name, columns=[t.key, *t.required])
            if n:
                repaired["incomplete_rows"][t.name] = n
        for table in FACT_TABLES:
            n = wh.execute("demo_defects/delete_unknown_shop_rows.sql", table=table)
            if n:
                repaired["unknown_shop_rows"][table] = n
        repaired["restored_txns"] = max(0, wh.execute("demo_defects/restore_lost_txns.sql"))
        cities_set: dict[str, str] = {}
        for s in wh.query("demo_defects/stores_without_city.sql"):
            city = cities.city_from_address(s["address"]) or _guess_city(s["address"]) or "北京"
            wh.execute("demo_defects/set_store_city.sql", {"city": city, "shop_id": s["shop_id"]})
            cities_set[s["shop_id"]] = city
        repaired["store_cities"] = cities_set
    return repaired
