"""Build the synthetic source warehouse (vectorised numpy/pandas) and load it.

The story, per day of the window ``[end - days + 1, end]``:

1. *Shopping sessions*: a user visits a store (offline, or an online scene) and asks for Baitiao.
   The number of sessions per day is ``users / 6 / 1.36`` (about one trial per user every six days)
   times a weekday factor (Saturday and Sunday 1.3, other days 1.0) and a little day-to-day noise;
   stores are drawn by their traffic weight, users by an activity weight among the users activated
   before the window. A user has at most one session per merchant and day.
2. *Trials*: 1-3 per session (72 / 20 / 8 %), 1-7 minutes apart, the first at 10:00-21:20. A
   ``hard reject`` session (4-7 % by merchant) has every trial rejected; otherwise the last trial
   passes and each earlier one (a higher amount) is rejected with probability 0.2 (mostly
   ``额度不足``). About 10 % of all trials are rejected.
3. *Conversion*: a session with a passing trial converts except for its merchant's churn share
   (8-15 %, about 12 % over offline stores). A converted session has a ``success`` transaction
   (``trial_id`` = the last trial, 1.5-6 minutes after it; 5 % also a ``failed`` one before) and an
   order paid 5 s-4 min later for the trial amount (10 % of orders a small discount), a category of
   the merchant and a gross margin of a few percent (rarely negative). 35 % of the churned sessions
   leave a ``failed``/``cancelled`` transaction and no order. 1 % of orders have ``txn_id`` null (the
   transaction row exists; only the link is missing). With ``orders_per_conversion`` above 1 (the
   benchmark's M and L; the demo keeps 1) a payment is split into 1 + Poisson(x - 1) orders (拆单:
   one order per warehouse / seller), same transaction, user, store and category, paid a second
   apart; the first carries most of the amount and the margin, the others 2-8 % weights each.
4. *Red-packet codes* at some offline stores (60 % of Apple's, 25 % of the others'): 30 % of the
   sessions at a code store claimed a packet 1-40 minutes before the first trial (90 % after a
   scan, 10 % through a shared link without a scan) and 75 % of those that convert redeem it on
   their order; besides, three times as many walk-by scans (25 % anonymous), a quarter of the
   identified ones claiming.

All draws come from ``numpy.random.SeedSequence(seed)`` (one child stream per stage), so the same
arguments give the same rows. Timestamps are naive Asia/Shanghai local time, inside store hours
10:00-22:00.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from outfield.demo import reference as ref

#: The source tables in load order, with their columns in ``include/sql/schema/sources.sql`` order.
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_user": ("user_pin", "phone", "bt_activated_at"),
    "dim_store": ("shop_id", "store_name", "merchant_id", "merchant_name", "channel", "address", "city"),
    "fact_trial": ("trial_id", "user_pin", "shop_id", "trial_at", "amount", "result", "reject_reason"),
    "fact_txn": ("txn_id", "trial_id", "user_pin", "shop_id", "created_at", "amount", "status"),
    "fact_order": ("order_id", "txn_id", "user_pin", "shop_id", "paid_at", "amount", "category", "gross_margin"),
    "fact_redpacket_event": ("event_id", "code_id", "shop_id", "user_pin", "event_type", "event_at", "amount",
                             "order_id"),
}
SOURCE_TABLES: tuple[str, ...] = tuple(SOURCE_COLUMNS)

MAX_USERS = 50_000_000
MIN_USERS = 100
MAX_DAYS = 3660

TRIALS_PER_USER_DAY = 1 / 6
TRIALS_PER_SESSION = (1, 2, 3)
TRIALS_PER_SESSION_P = (0.72, 0.20, 0.08)
MEAN_TRIALS_PER_SESSION = float(np.dot(TRIALS_PER_SESSION, TRIALS_PER_SESSION_P))
WEEKEND_FACTOR = 1.3
EARLY_REJECT_P = 0.2
#: Hourly profile of first trials, 10:00 to 21:00 (the 21:00 hour only up to 21:20).
HOUR_WEIGHTS = np.array([5, 6, 7, 6, 6, 7, 8, 9, 10, 11, 9, 3], dtype=float)
OPEN_SECONDS = 10 * 3600

WALK_BY_SCANS_PER_LINKED = 3.0
WALK_BY_CLAIM_P = 0.25
UNKNOWN_SHOPS = ("S990001", "S990002")
#: Defects: day offsets before ``end`` (clamped into the window; never on ``end`` itself).
TXN_LOSS_OFFSET = 9
DUPLICATE_OFFSET = 5
BAD_TRIAL_OFFSET = 6
TXN_LOSS_SHOPS = 4
DUPLICATE_TRIALS = 6
DUPLICATE_ORDERS = 4
DUPLICATE_STORES = 2
NULL_USER_TRIALS = 4
UNKNOWN_SHOP_TRIALS = 3
#: Apple stores with a null/blank city: their share of Apple's traffic (hence order amount).
APPLE_BLANK_RECOVERABLE_SHARE = 0.13
APPLE_BLANK_DISTRICT_ONLY_SHARE = 0.07
APPLE_BLANK_DISTRICT_ONLY_STORES = 3

CN_ORDINALS = "一二三四五六七八九十"
PHONE_PREFIXES = np.array(list(range(130, 140)) + [150, 151, 152, 153, 155, 156, 157, 158, 159]
                          + list(range(180, 190)), dtype=np.int64)


class DemoError(ValueError):
    """Bad arguments for the generator."""


# ====================================================================== output containers
@dataclass
class SourceFrame:
    """One table's rows as a frame of codes, and the DuckDB SELECT list that renders them.

    ``select`` has one SQL expression per column of the table (``SOURCE_COLUMNS`` order) over the
    frame's columns: ids are formatted in SQL (``'TR' || lpad(...)``), which is much faster than
    building millions of Python strings.
    """

    table: str
    frame: pd.DataFrame
    select: tuple[str, ...]

    def sql(self, source: str) -> str:
        cols = SOURCE_COLUMNS[self.table]
        exprs = ",\n       ".join(f"{e} AS {c}" for e, c in zip(self.select, cols, strict=True))
        return f"SELECT {exprs}\nFROM {source}"


@dataclass
class DemoData:
    tables: dict[str, SourceFrame]
    summary: dict[str, Any] = field(default_factory=dict)


def _id(prefix: str, col: str, width: int) -> str:
    return f"'{prefix}' || lpad(CAST({col} AS VARCHAR), {width}, '0')"


def _nullable_id(prefix: str, col: str, width: int) -> str:
    return f"CASE WHEN {col} < 0 THEN NULL ELSE {_id(prefix, col, width)} END"


def _money(col: str, nullable: bool = False) -> str:
    expr = f"CAST({col} / 100 AS DECIMAL(12, 2))"
    return f"CASE WHEN {col} = {_NULL_MONEY} THEN NULL ELSE {expr} END" if nullable else expr


_NULL_MONEY = -(2**62)
# Users are numbered u = 0, 1, ... in the frames; their pin is U<u+1> in dim_user AND in every fact
# table (a null user is u < 0).
USER_PIN = f"CASE WHEN u < 0 THEN NULL ELSE {_id('U', 'u + 1', 8)} END"


def _cat(codes: np.ndarray, names: list[str] | tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=list(names))


# ====================================================================== stores
@dataclass
class Stores:
    frame: pd.DataFrame
    merchant: np.ndarray       # merchant index per store
    online: np.ndarray         # bool
    weight: np.ndarray         # session probability (sums to 1)
    code_store: np.ndarray     # store index per red-packet code
    code_ids: list[str]
    apple_blank: np.ndarray    # bool: Apple store whose city is null/blank
    apple_district_only: np.ndarray  # bool: ... and whose address is district-only


def _places(city: ref.City) -> list[tuple[str, str, str]]:
    return [(d.name, street, landmark) for d in city.districts for street, landmark in d.places]


def _address(city: ref.City, district: str, street: str, num: int, *, drop_shi: bool = False,
             district_only: bool = False) -> str:
    tail = f"{district}{street}{num}号"
    if district_only:
        return tail
    if city.municipality:
        return f"{city.city if drop_shi else city.full}{tail}"
    return f"{city.province}{city.full}{tail}"


def build_stores(rng: np.random.Generator) -> Stores:
    """The store dimension (a few hundred rows; per-store Python is fine here)."""
    rows: list[dict[str, Any]] = []
    merchant_idx: list[int] = []
    online: list[bool] = []
    weight: list[float] = []
    store_city: list[ref.City] = []
    store_district: list[str] = []
    store_street: list[str] = []
    for mi, m in enumerate(ref.MERCHANTS):
        for channel, n, share in (("offline", m.offline_stores, m.offline_share),
                                  ("online", m.online_stores, m.online_share)):
            if n == 0:
                continue
            cities = [c for c in ref.CITIES if m.cities is None or c.city in m.cities]
            p = np.array([c.weight for c in cities], dtype=float)
            picks = rng.choice(len(cities), size=n, p=p / p.sum())
            w = rng.lognormal(0.0, 0.6, size=n)
            w = w / w.sum() * share
            nums = rng.integers(1, 400, size=n)
            drop_shi = rng.random(n) < 0.15
            used: dict[str, int] = {}
            for k in range(n):
                city = cities[picks[k]]
                places = _places(city)
                j = used.get(city.full, 0)
                used[city.full] = j + 1
                district, street, landmark = places[j % len(places)]
                rnd = j // len(places)
                suffix = "" if rnd == 0 else (CN_ORDINALS[rnd] if rnd < len(CN_ORDINALS) else str(rnd + 1))
                if channel == "offline":
                    name = f"{m.brand} {landmark}{suffix}店"
                    address = _address(city, district, street, int(nums[k]), drop_shi=bool(drop_shi[k]))
                elif m.merchant_id == "M_DAOJIA":
                    name = f"到家 {city.city}{landmark}{suffix}站"
                    address = None
                else:
                    name = f"{m.brand} {city.city}{landmark}{suffix}线上店"
                    address = _address(city, district, street, int(nums[k]))
                rows.append({"store_name": name, "merchant_id": m.merchant_id, "merchant_name": m.name,
                             "channel": channel, "address": address, "city": city.city})
                merchant_idx.append(mi)
                online.append(channel == "online")
                weight.append(float(w[k]))
                store_city.append(city)
                store_district.append(district)
                store_street.append(street)
    frame = pd.DataFrame(rows)
    n_stores = len(frame)
    frame.insert(0, "shop_id", [f"S{i:06d}" for i in range(1, n_stores + 1)])
    merchant = np.array(merchant_idx, dtype=np.int32)
    online_a = np.array(online, dtype=bool)
    weight_a = np.array(weight, dtype=float)

    # Defect (4): Apple stores with a null/blank city, ~20 % of Apple's traffic; a few district-only.
    apple = np.flatnonzero((merchant == 0) & ~online_a)
    ambiguous = [i for i in apple if store_district[i] in ref.AMBIGUOUS_DISTRICTS]
    n_do = min(APPLE_BLANK_DISTRICT_ONLY_STORES, len(apple))
    pool = ambiguous if len(ambiguous) >= n_do else list(apple)
    district_only = np.sort(rng.choice(pool, size=n_do, replace=False))
    rest = np.setdiff1d(apple, district_only)
    apple_total = weight_a[apple].sum()
    weight_a[district_only] *= APPLE_BLANK_DISTRICT_ONLY_SHARE * apple_total / weight_a[district_only].sum()
    weight_a[rest] *= (1 - APPLE_BLANK_DISTRICT_ONLY_SHARE) * apple_total / weight_a[rest].sum()
    chosen: list[int] = []
    cum = 0.0
    target = APPLE_BLANK_RECOVERABLE_SHARE * apple_total
    for i in rng.permutation(rest):
        if cum >= target - 0.004 * apple_total:
            break
        if cum + weight_a[i] <= target + 0.004 * apple_total:
            chosen.append(int(i))
            cum += weight_a[i]
    blank = np.sort(np.concatenate([district_only, np.array(chosen, dtype=np.int64)]))
    # Every variant at least once (NULL, empty, spaces), the rest mostly NULL, in random order.
    variants = np.array([None, "", "  "], dtype=object)
    pick = np.concatenate([np.arange(3), rng.choice(3, size=max(len(blank) - 3, 0), p=[0.5, 0.3, 0.2])])
    city_col = frame["city"].to_numpy(dtype=object, copy=True)
    city_col[blank] = variants[pick[: len(blank)]][rng.permutation(len(blank))]
    frame["city"] = city_col
    addr = frame["address"].to_numpy(dtype=object, copy=True)
    for i in district_only:
        addr[i] = _address(store_city[i], store_district[i], store_street[i], int(rng.integers(1, 400)),
                           district_only=True)
    # A few non-Apple stores with a district-only address but a source city (city_source 'source').
    others = np.flatnonzero((merchant != 0) & ~online_a)
    for i in rng.choice(others, size=min(3, len(others)), replace=False):
        addr[i] = _address(store_city[i], store_district[i], store_street[i], int(rng.integers(1, 400)),
                           district_only=True)
    frame["address"] = addr
    apple_blank = np.zeros(n_stores, dtype=bool)
    apple_blank[blank] = True
    apple_do = np.zeros(n_stores, dtype=bool)
    apple_do[district_only] = True

    # Red-packet codes at offline stores.
    code_store: list[int] = []
    for mi, m in enumerate(ref.MERCHANTS):
        idx = np.flatnonzero((merchant == mi) & ~online_a)
        if m.code_share <= 0 or len(idx) == 0:
            continue
        has = rng.random(len(idx)) < m.code_share
        if has.sum() < 2:
            has[np.argsort(-weight_a[idx])[:2]] = True
        for i in idx[has]:
            code_store.extend([int(i)] * (1 + int(rng.random() < 0.2)))
    code_store_a = np.array(code_store, dtype=np.int32)
    code_ids: list[str] = []
    seen: dict[int, int] = {}
    for i in code_store_a:
        seen[int(i)] = seen.get(int(i), 0) + 1
        code_ids.append(f"RP_{frame.at[int(i), 'shop_id']}_{seen[int(i)]}")
    return Stores(frame, merchant, online_a, weight_a / weight_a.sum(), code_store_a, code_ids,
                  apple_blank, apple_do)


# ====================================================================== users
def build_users(rng: np.random.Generator, users: int, start_s: int, days: int) -> tuple[SourceFrame, np.ndarray]:
    """dim_user, and the indices of the users activated before the window (who shop in it)."""
    phone = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), size=users)] * 10**8 \
        + rng.integers(0, 10**8, size=users)
    phone[rng.random(users) < 0.03] = -1
    kind = rng.random(users)
    never = kind < 0.08
    in_window = (kind >= 0.08) & (kind < 0.08 + 0.92 * 0.07)
    act = start_s - rng.integers(3600, 730 * 86400, size=users)
    act = np.where(in_window, start_s + rng.integers(0, days * 86400, size=users), act)
    act_ts = act.astype("datetime64[s]")
    act_ts[never] = np.datetime64("NaT")
    frame = pd.DataFrame({"u": np.arange(users, dtype=np.int64), "phone": phone, "act": act_ts})
    select = (_id("U", "u + 1", 8), "CASE WHEN phone < 0 THEN NULL ELSE CAST(phone AS VARCHAR) END",
              "CAST(act AS TIMESTAMP)")
    eligible = np.flatnonzero(~never & (act < start_s))
    return SourceFrame("dim_user", frame, select), eligible


# ====================================================================== sessions and facts
def _per_merchant(values: list[float] | tuple[float, ...], merchant: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float)[merchant]


def _round_price(yuan: np.ndarray) -> np.ndarray:
    """Prices in cents: from 1000 yuan up end in 99 yuan (5999.00), below keep the cents."""
    cents = np.round(yuan * 100).astype(np.int64)
    big = yuan >= 1000
    cents[big] = (np.floor(yuan[big] / 100).astype(np.int64) * 100 - 1) * 100
    return cents


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    hour = rng.choice(len(HOUR_WEIGHTS), size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    sec = np.where(hour == len(HOUR_WEIGHTS) - 1, rng.integers(0, 1200, size=n), rng.integers(0, 3600, size=n))
    return OPEN_SECONDS + hour * 3600 + sec


def _clamp_offset(offset: int, days: int) -> int | None:
    """A defect's day offset before end, inside the window and never end itself (None: no room)."""
    if days < 2:
        return None
    return min(offset, days - 1)


# ====================================================================== the world and its parts
#: A window whose trials would exceed this many is generated in parts of whole days (each part in
#: memory, appended to the tables in time order): bounded memory at any size. Below it, the whole
#: window is one part, generated exactly as before parts existed (same rows for the same arguments).
PART_TRIALS = 2_000_000


@dataclass
class _World:
    """What every part of a window shares: arguments, stores, users, sessions per day."""

    users: int
    days: int
    end: dt.date
    seed: int
    trials_per_user_day: float
    start: dt.date
    start_s: int
    stores: Stores
    dim_user: SourceFrame
    eligible: np.ndarray       # users activated before the window: the ones who shop in it
    per_day: np.ndarray        # sessions drawn per day (before the one-session-per-merchant rule)
    r_def: np.random.Generator
    activity_cum: np.ndarray | None = None  # users' cumulated activity weights (None: drawn by the part)
    orders_per_conversion: float = 1.0  # mean orders per converted session (split orders); 1 = no split


@dataclass
class _Rngs:
    sess: np.random.Generator
    trial: np.random.Generator
    txn: np.random.Generator
    rp: np.random.Generator
    defect: np.random.Generator


@dataclass
class _Part:
    """The fact tables of the days ``[lo, hi)`` of the window, and what the summary adds up."""

    tables: dict[str, SourceFrame]
    counts: dict[str, int]     # ids used per fact table (the next part's ids start after them)
    stats: dict[str, int]      # numerators / denominators of the summary's shares
    defects: list[dict[str, Any]]


def _world(users: int, days: int, end: dt.date, seed: int, trials_per_user_day: float,
           parts: int, orders_per_conversion: float = 1.0) -> tuple[_World, list[_Rngs]]:
    """Stores, users and sessions per day of the window; the random streams of each part.

    With one part, the part draws from the window's own streams in their original order (so the
    rows are those of the unpartitioned generator); with several, each part has child streams of
    its own and the users' activity weights are drawn once here.
    """
    seqs = np.random.SeedSequence(seed).spawn(8)
    streams = [np.random.default_rng(s) for s in seqs[:7]]
    r_store, r_user, r_sess, r_trial, r_txn, r_rp, r_def = streams
    start = end - dt.timedelta(days=days - 1)
    start_s = int(np.datetime64(start, "s").astype(np.int64))
    stores = build_stores(r_store)
    dim_user, eligible = build_users(r_user, users, start_s, days)

    # sessions per day (weekday-aware)
    weekday = (start.weekday() + np.arange(days)) % 7
    factor = np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)
    week_mean = (5 + 2 * WEEKEND_FACTOR) / 7
    lam = users * trials_per_user_day / MEAN_TRIALS_PER_SESSION * factor / week_mean
    lam = lam * np.exp(r_sess.normal(0.0, 0.03, size=days))
    per_day = r_sess.poisson(lam)
    world = _World(users, days, end, seed, trials_per_user_day, start, start_s, stores, dim_user, eligible,
                   per_day, r_def, orders_per_conversion=float(orders_per_conversion))
    if parts == 1:
        return world, [_Rngs(r_sess, r_trial, r_txn, r_rp, r_def)]
    world.activity_cum = np.cumsum(r_sess.gamma(2.0, 1.0, size=len(eligible)))
    return world, [_Rngs(*(np.random.default_rng(s) for s in child.spawn(5))) for child in seqs[7].spawn(parts)]


def _part_bounds(users: int, days: int, trials_per_user_day: float, part_trials: int) -> list[tuple[int, int]]:
    """Consecutive day ranges ``[lo, hi)`` with about ``part_trials`` trials each (one when all fit)."""
    per_day = max(users * trials_per_user_day, 1.0)
    span = max(1, int(part_trials // per_day))
    if span >= days:
        return [(0, days)]
    return [(lo, min(lo + span, days)) for lo in range(0, days, span)]


def build(*, users: int, days: int, end: dt.date, seed: int,
          trials_per_user_day: float = TRIALS_PER_USER_DAY, orders_per_conversion: float = 1.0) -> DemoData:
    """Generate every source table in memory (no warehouse needed), the whole window in one part."""
    _validate(users, days, end, seed, trials_per_user_day, orders_per_conversion)
    t_start = time.perf_counter()
    world, (rngs,) = _world(users, days, end, seed, trials_per_user_day, 1, orders_per_conversion)
    part = _build_part(world, rngs, 0, days, {})
    data = DemoData({"dim_user": world.dim_user})
    data.tables["dim_store"] = _dim_store(world, part.defects)
    data.tables.update(part.tables)
    data.summary = _summary(world, {t: len(s.frame) for t, s in data.tables.items()}, part.stats, part.defects,
                            time.perf_counter() - t_start)
    return data


def build_parts(*, users: int, days: int, end: dt.date, seed: int,
                trials_per_user_day: float = TRIALS_PER_USER_DAY, part_trials: int = PART_TRIALS,
                orders_per_conversion: float = 1.0):
    """Generate the window part by part, for any size in bounded memory.

    Yields ``(tables, None)`` for each piece to append, in order: first ``dim_user`` and
    ``dim_store``, then the four fact tables of each part of consecutive whole days (their rows in
    time order, so the tables are written ordered by their timestamps); last ``({}, summary)``.
    When the window fits in one part (``part_trials``) the rows are exactly those of :func:`build`.
    """
    _validate(users, days, end, seed, trials_per_user_day, orders_per_conversion)
    busy = 0.0  # seconds spent generating (not waiting for the consumer between pieces)
    t = time.perf_counter()
    bounds = _part_bounds(users, days, trials_per_user_day, part_trials)
    world, rngs = _world(users, days, end, seed, trials_per_user_day, len(bounds), orders_per_conversion)
    rows: dict[str, int] = dict.fromkeys(SOURCE_TABLES, 0)
    stats: dict[str, int] = {}
    defects: list[dict[str, Any]] = []
    offsets: dict[str, int] = {}
    dim_user = world.dim_user
    rows["dim_user"] = len(dim_user.frame)
    if len(bounds) > 1:  # with one part, dim_store's defect draws come after the part's (as in build)
        dim_store = _dim_store(world, defects)
        rows["dim_store"] = len(dim_store.frame)
        busy += time.perf_counter() - t
        yield {"dim_user": dim_user, "dim_store": dim_store}, None
        t = time.perf_counter()
        world.dim_user = dim_user = None  # the parts do not need it: let it go
    for (lo, hi), r in zip(bounds, rngs, strict=True):
        part = _build_part(world, r, lo, hi, offsets)
        for table, n in part.counts.items():
            offsets[table] = offsets.get(table, 0) + n
        for key, value in part.stats.items():
            stats[key] = stats.get(key, 0) + value
        defects.extend(part.defects)
        if len(bounds) == 1:
            dim_store = _dim_store(world, defects)
            rows["dim_store"] = len(dim_store.frame)
            busy += time.perf_counter() - t
            yield {"dim_user": dim_user, "dim_store": dim_store}, None
            t = time.perf_counter()
        for table, source in part.tables.items():
            rows[table] += len(source.frame)
        busy += time.perf_counter() - t
        yield part.tables, None
        t = time.perf_counter()
        del part
    yield {}, _summary(world, rows, stats, defects, busy + time.perf_counter() - t, parts=len(bounds))


def _dim_store(world: _World, defects: list[dict[str, Any]]) -> SourceFrame:
    """dim_store with defect (2b): two shops repeated with identical content."""
    stores = world.stores
    s_dup = np.sort(world.r_def.choice(np.flatnonzero(~stores.online), size=DUPLICATE_STORES, replace=False))
    store_frame = pd.concat([stores.frame, stores.frame.iloc[s_dup]], ignore_index=True)
    dup_shops = [stores.frame.at[int(i), "shop_id"] for i in s_dup]
    defects.append(_defect(world.end, None, "duplicate_store", ["dim_store"],
                           f"dim_store repeats shop {', '.join(dup_shops)} with identical content",
                           {"shops": dup_shops}))
    return SourceFrame("dim_store", store_frame, SOURCE_COLUMNS["dim_store"])


def _summary(world: _World, rows: dict[str, int], stats: dict[str, int], defects: list[dict[str, Any]],
             seconds: float, parts: int = 1) -> dict[str, Any]:
    stores = world.stores
    # Defect (4): Apple stores with a null/blank city (their share of Apple's order amount).
    apple_amount = stats["apple_amount"]
    share = float(stats["apple_blank_amount"] / apple_amount) if apple_amount else 0.0
    do_share = float(stats["apple_district_only_amount"] / apple_amount) if apple_amount else 0.0
    blank_ids = list(stores.frame.loc[stores.apple_blank, "shop_id"])
    do_ids = list(stores.frame.loc[stores.apple_district_only, "shop_id"])
    defects = [*defects, _defect(
        world.end, None, "missing_city", ["dim_store"],
        f"{len(blank_ids)} Apple stores with a null or blank city carry {share:.1%} of Apple's "
        f"order amount; {len(do_ids)} of them ({do_share:.1%}) have a district-only address "
        "(city not recoverable)",
        {"shops": blank_ids, "district_only_shops": do_ids,
         "apple_amount_share": round(share, 4), "district_only_amount_share": round(do_share, 4)})]
    st = {
        "trials": int(stats["trials"]),
        "reject_share": round(float(stats["rejected"] / stats["reject_rows"]) if stats["reject_rows"] else float("nan"), 4),
        "nonconverted_share_offline": round(float(stats["offline_pass_nonconverted"]
                                                  / max(stats["offline_pass"], 1)), 4),
        "apple_blank_city_amount_share": round(share, 4),
        "weekend_factor": WEEKEND_FACTOR,
    }
    defects.sort(key=lambda d: (d["day"] or "9999", d["name"]))
    summary = {
        "users": world.users, "days": world.days, "start": world.start.isoformat(), "end": world.end.isoformat(),
        "seed": world.seed, "stores": int(len(stores.frame)), "rows": {t: int(rows[t]) for t in SOURCE_TABLES},
        "defects": defects, "stats": st, "build_seconds": round(seconds, 2),
    }
    if world.trials_per_user_day != TRIALS_PER_USER_DAY:
        summary["trials_per_user_day"] = world.trials_per_user_day
    if world.orders_per_conversion != 1:
        summary["orders_per_conversion"] = world.orders_per_conversion
    if parts > 1:
        summary["parts"] = parts
    return summary


def _build_part(world: _World, rng: _Rngs, lo: int, hi: int, offsets: dict[str, int]) -> _Part:
    """The fact tables of the days ``[lo, hi)``: sessions, trials, transactions, orders, red packets
    and the defects whose day falls in it. Ids continue after ``offsets`` (ids used by earlier parts)."""
    users, days, end, start_s = world.users, world.days, world.end, world.start_s
    stores, eligible = world.stores, world.eligible
    r_sess, r_trial, r_txn, r_def = rng.sess, rng.trial, rng.txn, rng.defect
    n_merchants = len(ref.MERCHANTS)
    n_stores = len(stores.frame)
    per_day = world.per_day[lo:hi]

    # ---- sessions: store by traffic, user by activity
    day = np.repeat(np.arange(lo, hi, dtype=np.int32), per_day)
    n = len(day)
    store = r_sess.choice(n_stores, size=n, p=stores.weight).astype(np.int32)
    cum = world.activity_cum
    if cum is None:
        cum = np.cumsum(r_sess.gamma(2.0, 1.0, size=len(eligible)))
    user = eligible[np.minimum(np.searchsorted(cum, r_sess.random(n) * cum[-1], side="right"),
                               len(eligible) - 1)].astype(np.int64)
    merchant = stores.merchant[store]
    key = (day.astype(np.int64) * n_merchants + merchant) * users + user
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    day, store, user, merchant = day[keep], store[keep], user[keep], merchant[keep]
    S = len(day)
    online = stores.online[store]

    # ---- session attributes
    cat_code = np.zeros(S, dtype=np.int32)
    base_yuan = np.zeros(S, dtype=float)
    u_cat = r_sess.random(S)
    u_amt = r_sess.random(S)
    for mi, m in enumerate(ref.MERCHANTS):
        mask = merchant == mi
        if not mask.any():
            continue
        w = np.array([c.weight for c in m.categories])
        pick = np.minimum(np.searchsorted(np.cumsum(w) / w.sum(), u_cat[mask], side="right"), len(w) - 1)
        lo_y = np.log([c.lo for c in m.categories])[pick]
        hi_y = np.log([c.hi for c in m.categories])[pick]
        base_yuan[mask] = np.exp(lo_y + u_amt[mask] * (hi_y - lo_y))
        cat_code[mask] = np.array([ref.CATEGORY_NAMES.index(c.name) for c in m.categories])[pick]
    k = r_sess.choice(np.array(TRIALS_PER_SESSION), size=S, p=TRIALS_PER_SESSION_P).astype(np.int64)
    t0 = _time_of_day(r_sess, S)
    hard = r_sess.random(S) < _per_merchant([m.hard_reject for m in ref.MERCHANTS], merchant)
    converted = ~hard & (r_sess.random(S) >= _per_merchant([m.churn for m in ref.MERCHANTS], merchant))
    churn_txn = ~hard & ~converted & (r_sess.random(S) < 0.35)
    extra_failed = converted & (r_sess.random(S) < 0.05)

    # ---- trials: expand sessions
    T = int(k.sum())
    sess = np.repeat(np.arange(S), k)
    first_idx = np.cumsum(k) - k
    j = np.arange(T) - first_idx[sess]
    gap = np.where(j > 0, r_trial.integers(60, 420, size=T), 0)
    cs = np.cumsum(gap)
    t_trial = t0[sess] + cs - cs[first_idx[sess]]
    last = j == k[sess] - 1
    reject = np.where(hard[sess], True, ~last & (r_trial.random(T) < EARLY_REJECT_P))
    reason = np.full(T, -1, dtype=np.int32)
    n_rej = int(reject.sum())
    hard_reason = r_trial.choice(len(ref.REJECT_REASONS), size=n_rej, p=ref.HARD_REJECT_REASON_WEIGHTS)
    early_reason = r_trial.choice(len(ref.REJECT_REASONS), size=n_rej, p=ref.EARLY_REJECT_REASON_WEIGHTS)
    reason[reject] = np.where(hard[sess][reject], hard_reason, early_reason)
    bump = np.where(last, 1.0, 1.0 + r_trial.random(T) * 0.25)
    trial_amount = _round_price(base_yuan[sess] * bump)
    trial_s = start_s + day[sess].astype(np.int64) * 86400 + t_trial
    last_trial_t = t_trial[first_idx + k - 1]
    first_trial_t = t0

    # Defect (3): trials with a null user_pin and trials at shops missing from dim_store.
    defects: list[dict[str, Any]] = []
    bad_off = _clamp_offset(BAD_TRIAL_OFFSET, days)
    extra_user = np.empty(0, dtype=np.int64)
    extra_store = np.empty(0, dtype=np.int32)
    extra_s = np.empty(0, dtype=np.int64)
    extra_amount = np.empty(0, dtype=np.int64)
    extra_reject = np.empty(0, dtype=bool)
    if bad_off is not None and lo <= days - 1 - bad_off < hi:
        bad_day = days - 1 - bad_off
        offline_ids = np.flatnonzero(~stores.online)
        n_extra = NULL_USER_TRIALS + UNKNOWN_SHOP_TRIALS
        extra_user = np.concatenate([np.full(NULL_USER_TRIALS, -1),
                                     r_def.choice(eligible, size=UNKNOWN_SHOP_TRIALS)]).astype(np.int64)
        extra_store = np.concatenate([r_def.choice(offline_ids, size=NULL_USER_TRIALS),
                                      n_stores + np.arange(UNKNOWN_SHOP_TRIALS) % len(UNKNOWN_SHOPS)])
        extra_store = extra_store.astype(np.int32)
        extra_s = start_s + bad_day * 86400 + _time_of_day(r_def, n_extra)
        extra_amount = _round_price(np.exp(r_def.uniform(np.log(1000), np.log(8000), size=n_extra)))
        extra_reject = r_def.random(n_extra) < 0.3
        defects.append(_defect(end, bad_off, "bad_trial_rows", ["fact_trial"],
                               f"{NULL_USER_TRIALS} fact_trial rows with a null user_pin and {UNKNOWN_SHOP_TRIALS} "
                               f"at shops missing from dim_store ({', '.join(UNKNOWN_SHOPS)})",
                               {"null_user_pin": NULL_USER_TRIALS, "unknown_shop": UNKNOWN_SHOP_TRIALS,
                                "unknown_shop_ids": list(UNKNOWN_SHOPS)}))

    all_trial_s = np.concatenate([trial_s, extra_s])
    all_trial_sess = np.concatenate([sess, np.full(len(extra_s), S)])
    order = np.lexsort((np.concatenate([j, np.zeros(len(extra_s), dtype=np.int64)]),
                        all_trial_sess, all_trial_s))
    trial_no = np.empty(len(order), dtype=np.int64)
    trial_no[order] = np.arange(1, len(order) + 1) + offsets.get("fact_trial", 0)
    last_trial_no = trial_no[first_idx + k - 1]  # per session
    trial_user = np.concatenate([user[sess], extra_user])
    trial_store = np.concatenate([store[sess], extra_store])
    trial_reject = np.concatenate([reject, extra_reject])
    trial_reason = np.concatenate([reason, np.where(extra_reject, 1, -1).astype(np.int32)])
    trial_amt = np.concatenate([trial_amount, extra_amount])
    trial_frame = pd.DataFrame({
        "no": trial_no, "u": trial_user,
        "shop": _cat(trial_store, list(stores.frame["shop_id"]) + list(UNKNOWN_SHOPS)),
        "ts": all_trial_s.astype("datetime64[s]"), "amount": trial_amt,
        "result": _cat(trial_reject.astype(np.int32), ["pass", "reject"]),
        "reason": _cat(trial_reason, ref.REJECT_REASONS),
    }).iloc[order].reset_index(drop=True)
    last_amount = trial_amount[first_idx + k - 1]
    n_trial_ids = len(order)
    del sess, j, gap, cs, t_trial, last, reject, reason, bump, trial_s, all_trial_s, all_trial_sess, order
    del trial_no, trial_user, trial_store, trial_reason, trial_amt

    # ---- transactions: success (converted), failed before success, failed/cancelled of churners
    day_s = start_s + day.astype(np.int64) * 86400
    conv = np.flatnonzero(converted)
    exf = np.flatnonzero(extra_failed)
    chn = np.flatnonzero(churn_txn)
    success_s = day_s[conv] + last_trial_t[conv] + r_txn.integers(90, 360, size=len(conv))
    failed_s = day_s[exf] + last_trial_t[exf] + r_txn.integers(10, 80, size=len(exf))
    churn_s = day_s[chn] + last_trial_t[chn] + r_txn.integers(30, 300, size=len(chn))
    churn_status = np.where(r_txn.random(len(chn)) < 0.6, 1, 2)  # failed / cancelled
    tx_sess = np.concatenate([conv, exf, chn])
    tx_s = np.concatenate([success_s, failed_s, churn_s])
    tx_status = np.concatenate([np.zeros(len(conv), dtype=np.int32), np.ones(len(exf), dtype=np.int32),
                                churn_status.astype(np.int32)])
    tx_order = np.lexsort((tx_status, tx_sess, tx_s))
    txn_no = np.empty(len(tx_order), dtype=np.int64)
    txn_no[tx_order] = np.arange(1, len(tx_order) + 1) + offsets.get("fact_txn", 0)
    success_txn_no = txn_no[: len(conv)]
    txn_frame = pd.DataFrame({
        "no": txn_no, "trial": last_trial_no[tx_sess], "u": user[tx_sess],
        "shop": _cat(store[tx_sess], list(stores.frame["shop_id"])),
        "ts": tx_s.astype("datetime64[s]"), "amount": last_amount[tx_sess],
        "status": _cat(tx_status, ["success", "failed", "cancelled"]),
        "_day": day[tx_sess], "_store": store[tx_sess],
    }).iloc[tx_order].reset_index(drop=True)
    n_txn_ids = len(tx_order)

    # ---- orders of converted sessions
    paid_s = success_s + r_txn.integers(5, 240, size=len(conv))
    o_amount = last_amount[conv].copy()
    disc = r_txn.random(len(conv)) < 0.10
    o_amount[disc] = np.round(o_amount[disc] * (1 - r_txn.random(int(disc.sum())) * 0.05)).astype(np.int64)
    o_merchant = merchant[conv]
    rate = r_txn.normal(_per_merchant([m.margin_mean for m in ref.MERCHANTS], o_merchant),
                        _per_merchant([m.margin_sd for m in ref.MERCHANTS], o_merchant))
    margin = np.round(o_amount * rate).astype(np.int64)
    o_txn = np.where(r_txn.random(len(conv)) < 0.01, -1, success_txn_no)
    if world.orders_per_conversion > 1:  # split orders (拆单): several orders per payment
        n_sub = 1 + r_txn.poisson(world.orders_per_conversion - 1, size=len(conv))
        first = np.cumsum(n_sub) - n_sub
        g = np.repeat(np.arange(len(conv)), n_sub)
        sub = np.arange(len(g)) - first[g]
        w = np.where(sub == 0, 1.0, r_txn.uniform(0.02, 0.08, size=len(g)))
        share = w / np.bincount(g, weights=w)[g]
        part_amount = np.where(sub == 0, 0, np.maximum(1, np.round(o_amount[g] * share))).astype(np.int64)
        part_margin = np.where(sub == 0, 0, np.round(margin[g] * share)).astype(np.int64)
        part_amount[first] = o_amount - np.bincount(g, weights=part_amount).astype(np.int64)
        part_margin[first] = margin - np.bincount(g, weights=part_margin).astype(np.int64)
        o_conv, o_paid, o_sub = conv[g], paid_s[g] + sub, sub
        o_amount_rows, margin_rows, o_txn_rows = part_amount, part_margin, o_txn[g]
    else:
        first = np.arange(len(conv))
        o_conv, o_paid, o_sub = conv, paid_s, np.zeros(len(conv), dtype=np.int64)
        o_amount_rows, margin_rows, o_txn_rows = o_amount, margin, o_txn
    o_order = np.lexsort((o_sub, o_conv, o_paid))
    order_no_rows = np.empty(len(o_conv), dtype=np.int64)
    order_no_rows[o_order] = np.arange(1, len(o_conv) + 1) + offsets.get("fact_order", 0)
    order_no = order_no_rows[first]  # each converted session's (first) order: the one a redeem names
    order_frame = pd.DataFrame({
        "no": order_no_rows, "txn": o_txn_rows, "u": user[o_conv],
        "shop": _cat(store[o_conv], list(stores.frame["shop_id"])),
        "ts": o_paid.astype("datetime64[s]"), "amount": o_amount_rows,
        "category": _cat(cat_code[o_conv], ref.CATEGORY_NAMES), "margin": margin_rows,
    }).iloc[o_order].reset_index(drop=True)
    order_day = day[o_conv][o_order]
    n_order_ids = len(o_conv)
    del o_conv, o_paid, o_sub, o_amount_rows, margin_rows, o_txn_rows, order_no_rows

    # ---- red-packet events
    rp = _redpackets(rng.rp, stores=stores, users=users, start_s=start_s, day=day, store=store, user=user,
                     merchant=merchant, first_trial_t=first_trial_t, converted=converted, conv=conv,
                     paid_s=paid_s, order_no=order_no, per_day=per_day, day_lo=lo,
                     first_no=offsets.get("fact_redpacket_event", 0) + 1)

    # Defect (1): a day on which fact_txn lost every row at a few busy offline shops (orders kept).
    loss_off = _clamp_offset(TXN_LOSS_OFFSET, days)
    shops = np.empty(0, dtype=np.int64)
    if loss_off is not None and lo <= days - 1 - loss_off < hi:
        loss_day = days - 1 - loss_off
        on_day = order_frame.loc[order_day == loss_day]
        counts = on_day.groupby(on_day["shop"].cat.codes, observed=True)["u"].nunique()
        counts = counts[~stores.online[counts.index.to_numpy()]].sort_values(ascending=False, kind="stable")
        top = counts.index.to_numpy()[:15]
        if len(top):
            shops = np.sort(r_def.choice(top, size=min(TXN_LOSS_SHOPS, len(top)), replace=False))
    if len(shops):
        lost = (txn_frame["_day"].to_numpy() == loss_day) & np.isin(txn_frame["_store"].to_numpy(), shops)
        shop_ids = [stores.frame.at[int(i), "shop_id"] for i in shops]
        txn_frame = txn_frame.loc[~lost].reset_index(drop=True)
        defects.append(_defect(end, loss_off, "txn_loss", ["fact_txn"],
                               f"fact_txn lost all {int(lost.sum())} rows at {len(shop_ids)} shops "
                               f"({', '.join(shop_ids)}); their {int(counts.loc[shops].sum())} ordering users keep "
                               "their orders, so ordering users > transacting users there",
                               {"shops": shop_ids, "txn_rows_dropped": int(lost.sum()),
                                "ordering_users": {s: int(counts.loc[i]) for s, i in zip(shop_ids, shops, strict=True)}}))
    txn_frame = txn_frame.drop(columns=["_day", "_store"])

    # Defect (2): exact duplicate rows in fact_trial and fact_order (dim_store: see _dim_store).
    dup_off = _clamp_offset(DUPLICATE_OFFSET, days)
    if dup_off is not None and lo <= days - 1 - dup_off < hi:
        dup_day = days - 1 - dup_off
        lo_ts = np.datetime64(start_s + dup_day * 86400, "s")
        hi_ts = lo_ts + np.timedelta64(86400, "s")
        t_idx = np.flatnonzero(((trial_frame["ts"] >= lo_ts) & (trial_frame["ts"] < hi_ts)
                                & (trial_frame["u"] >= 0)).to_numpy())
        o_idx = np.flatnonzero(((order_frame["ts"] >= lo_ts) & (order_frame["ts"] < hi_ts)).to_numpy())
        t_dup = np.sort(r_def.choice(t_idx, size=min(DUPLICATE_TRIALS, len(t_idx)), replace=False))
        o_dup = np.sort(r_def.choice(o_idx, size=min(DUPLICATE_ORDERS, len(o_idx)), replace=False))
        trial_frame = pd.concat([trial_frame, trial_frame.iloc[t_dup]], ignore_index=True)
        order_frame = pd.concat([order_frame, order_frame.iloc[o_dup]], ignore_index=True)
        defects.append(_defect(end, dup_off, "duplicate_rows", ["fact_trial", "fact_order"],
                               f"{len(t_dup)} fact_trial rows and {len(o_dup)} fact_order rows repeated exactly",
                               {"fact_trial": len(t_dup), "fact_order": len(o_dup)}))

    apple_orders = o_merchant == 0
    offline_pass = ~online & ~hard
    stats = {
        "trials": len(trial_frame),
        "rejected": int(trial_reject.sum()), "reject_rows": len(trial_reject),
        "offline_pass": int(offline_pass.sum()), "offline_pass_nonconverted": int((offline_pass & ~converted).sum()),
        "apple_amount": int(o_amount[apple_orders].sum()),
        "apple_blank_amount": int(o_amount[apple_orders & stores.apple_blank[store[conv]]].sum()),
        "apple_district_only_amount": int(o_amount[apple_orders & stores.apple_district_only[store[conv]]].sum()),
    }
    tables = {
        "fact_trial": SourceFrame("fact_trial", trial_frame, (
            _id("TR", "no", 10), USER_PIN, "CAST(shop AS VARCHAR)", "CAST(ts AS TIMESTAMP)", _money("amount"),
            "CAST(result AS VARCHAR)", "CAST(reason AS VARCHAR)")),
        "fact_txn": SourceFrame("fact_txn", txn_frame, (
            _id("TX", "no", 10), _nullable_id("TR", "trial", 10), USER_PIN, "CAST(shop AS VARCHAR)",
            "CAST(ts AS TIMESTAMP)", _money("amount"), "CAST(status AS VARCHAR)")),
        "fact_order": SourceFrame("fact_order", order_frame, (
            _id("OD", "no", 10), _nullable_id("TX", "txn", 10), USER_PIN, "CAST(shop AS VARCHAR)",
            "CAST(ts AS TIMESTAMP)", _money("amount"), "CAST(category AS VARCHAR)", _money("margin"))),
        "fact_redpacket_event": SourceFrame("fact_redpacket_event", rp, (
            _id("EV", "no", 10), "CAST(code AS VARCHAR)", "CAST(shop AS VARCHAR)", USER_PIN,
            "CAST(type AS VARCHAR)", "CAST(ts AS TIMESTAMP)", _money("amount", nullable=True),
            _nullable_id("OD", "ord", 10))),
    }
    counts_used = {"fact_trial": n_trial_ids, "fact_txn": n_txn_ids, "fact_order": n_order_ids,
                   "fact_redpacket_event": len(rp)}
    return _Part(tables, counts_used, stats, defects)


def _defect(end: dt.date, offset: int | None, name: str, tables: list[str], description: str,
            detail: dict[str, Any]) -> dict[str, Any]:
    day = None if offset is None else (end - dt.timedelta(days=offset)).isoformat()
    return {"name": name, "day": day, "offset_days": None if offset is None else -offset, "tables": tables,
            "description": description, "detail": detail}


def _redpackets(rng: np.random.Generator, *, stores: Stores, users: int, start_s: int, day: np.ndarray,
                store: np.ndarray, user: np.ndarray, merchant: np.ndarray, first_trial_t: np.ndarray,
                converted: np.ndarray, conv: np.ndarray, paid_s: np.ndarray, order_no: np.ndarray,
                per_day: np.ndarray, day_lo: int = 0, first_no: int = 1) -> pd.DataFrame:
    """Scan / claim / redeem events, linked to the sessions at code stores, plus walk-by scans.

    ``per_day`` are the sessions of the days from ``day_lo`` on (walk-by scans follow them); event
    numbers start at ``first_no``.
    """
    n_stores = len(stores.frame)
    codes_of = [np.flatnonzero(stores.code_store == i) for i in range(n_stores)]
    n_codes = np.array([len(c) for c in codes_of])
    first_code = np.array([c[0] if len(c) else -1 for c in codes_of])

    def pick_code(st: np.ndarray) -> np.ndarray:
        return first_code[st] + (rng.random(len(st)) * n_codes[st]).astype(np.int64)

    packet_p = np.array([m.packet_weights for m in ref.MERCHANTS])
    packet_cum = np.cumsum(packet_p / packet_p.sum(axis=1, keepdims=True), axis=1)
    amounts = np.array(ref.RED_PACKET_AMOUNTS, dtype=np.int64) * 100

    def packet(mer: np.ndarray) -> np.ndarray:
        u = rng.random(len(mer))
        return amounts[np.minimum((u[:, None] > packet_cum[mer]).sum(axis=1), len(amounts) - 1)]

    # Sessions that claimed a packet before their first trial.
    linked = np.flatnonzero((n_codes[store] > 0) & (rng.random(len(store)) < 0.30))
    L = len(linked)
    l_day_s = start_s + day[linked].astype(np.int64) * 86400
    # 1-40 minutes before the first trial, 5 s-3 min between scan and claim; never before opening.
    claim_t = first_trial_t[linked] - _before(rng, 60, 2400, first_trial_t[linked] - OPEN_SECONDS)
    scanned = rng.random(L) < 0.9
    scan_t = claim_t - _before(rng, 5, 180, claim_t - OPEN_SECONDS)
    l_code = pick_code(store[linked])
    l_amount = packet(merchant[linked])
    # Redeem on the order of converted linked sessions.
    conv_pos = np.full(len(store), -1, dtype=np.int64)
    conv_pos[conv] = np.arange(len(conv))
    redeem = converted[linked] & (rng.random(L) < 0.75)
    r_pos = conv_pos[linked[redeem]]
    redeem_s = paid_s[r_pos] + rng.integers(0, 30, size=len(r_pos))

    # Walk-by scans: day by volume, store by traffic among code stores; a quarter of the identified claim.
    B = int(round(WALK_BY_SCANS_PER_LINKED * L))
    code_store_w = np.where(n_codes > 0, stores.weight, 0.0)
    b_store = rng.choice(n_stores, size=B, p=code_store_w / code_store_w.sum()) if B else np.empty(0, np.int64)
    b_day = rng.choice(len(per_day), size=B, p=per_day / max(per_day.sum(), 1)) if B else np.empty(0, np.int64)
    b_s = start_s + (day_lo + b_day.astype(np.int64)) * 86400 + _time_of_day(rng, B)
    b_user = np.where(rng.random(B) < 0.25, -1, rng.integers(0, users, size=B))
    b_claim = (b_user >= 0) & (rng.random(B) < WALK_BY_CLAIM_P)
    b_code = pick_code(b_store)
    bc = np.flatnonzero(b_claim)
    bc_amount = packet(stores.merchant[b_store[bc]])
    bc_s = b_s[bc] + rng.integers(5, 90, size=len(bc))

    sc = linked[scanned]
    parts = [
        # (code, shop, user, type, ts, amount, order)
        (l_code[scanned], store[sc], user[sc], 0, l_day_s[scanned] + scan_t[scanned], None, None),
        (l_code, store[linked], user[linked], 1, l_day_s + claim_t, l_amount, None),
        (l_code[redeem], store[linked[redeem]], user[linked[redeem]], 2, redeem_s, l_amount[redeem],
         order_no[r_pos]),
        (b_code, b_store, b_user, 0, b_s, None, None),
        (b_code[bc], b_store[bc], b_user[bc], 1, bc_s, bc_amount, None),
    ]
    code = np.concatenate([p[0] for p in parts]).astype(np.int64)
    shop = np.concatenate([p[1] for p in parts]).astype(np.int64)
    u = np.concatenate([p[2] for p in parts]).astype(np.int64)
    etype = np.concatenate([np.full(len(p[0]), p[3], dtype=np.int32) for p in parts])
    ts = np.concatenate([p[4] for p in parts]).astype(np.int64)
    amount = np.concatenate([p[5] if p[5] is not None else np.full(len(p[0]), _NULL_MONEY, dtype=np.int64)
                             for p in parts])
    ord_ = np.concatenate([p[6] if p[6] is not None else np.full(len(p[0]), -1, dtype=np.int64) for p in parts])
    order = np.lexsort((np.arange(len(ts)), etype, ts))
    no = np.empty(len(order), dtype=np.int64)
    no[order] = np.arange(first_no, first_no + len(order))
    return pd.DataFrame({
        "no": no, "code": _cat(code, stores.code_ids), "shop": _cat(shop, list(stores.frame["shop_id"])),
        "u": u, "type": _cat(etype, ["scan", "claim", "redeem"]), "ts": ts.astype("datetime64[s]"),
        "amount": amount, "ord": ord_,
    }).iloc[order].reset_index(drop=True)


def _before(rng: np.random.Generator, lo: int, hi: int, room: np.ndarray) -> np.ndarray:
    """Seconds to go back, uniform in [lo, hi) but within ``room`` (the time since opening)."""
    hi_ = np.minimum(hi, room + 1)
    lo_ = np.minimum(lo, hi_ - 1)
    return np.maximum(lo_ + (rng.random(len(room)) * np.maximum(hi_ - lo_, 0)).astype(np.int64), 0)


def _validate(users: int, days: int, end: dt.date, seed: int,
              trials_per_user_day: float = TRIALS_PER_USER_DAY, orders_per_conversion: float = 1.0) -> None:
    if not isinstance(users, int) or isinstance(users, bool) or not MIN_USERS <= users <= MAX_USERS:
        raise DemoError(f"users must be an integer from {MIN_USERS} to {MAX_USERS:,}, got {users!r}")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise DemoError(f"days must be an integer from 1 to {MAX_DAYS}, got {days!r}")
    if not isinstance(end, dt.date) or isinstance(end, dt.datetime):
        raise DemoError(f"end must be a date, got {end!r}")
    if end - dt.timedelta(days=days - 1) < dt.date(1971, 1, 1):
        raise DemoError("the window must start after 1970")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise DemoError(f"seed must be a non-negative integer, got {seed!r}")
    if (not isinstance(trials_per_user_day, (int, float)) or isinstance(trials_per_user_day, bool)
            or not 0 < trials_per_user_day <= 2):
        raise DemoError(f"trials_per_user_day must be a number in (0, 2], got {trials_per_user_day!r}")
    if (not isinstance(orders_per_conversion, (int, float)) or isinstance(orders_per_conversion, bool)
            or not 1 <= orders_per_conversion <= 10):
        raise DemoError(f"orders_per_conversion must be a number in [1, 10], got {orders_per_conversion!r}")


# ====================================================================== load
def load(wh: Any, data: DemoData) -> None:
    """Replace the six source tables of ``wh`` by ``data`` in one transaction.

    The tables are dropped and recreated from ``include/sql/schema/sources.sql``
    (``wh.create_source_tables()``), so the column types are exactly the schema's; rows are then
    inserted with ``INSERT INTO t (...) SELECT <casts> FROM <frame>`` on DuckDB (the frame scanned in
    place), or rendered by an in-memory DuckDB and sent with ``COPY`` (``wh.copy_rows``) on PostgreSQL.
    """
    _load_pieces(wh, [(data.tables, None)])


def _load_pieces(wh: Any, pieces: Any, *, atomic: bool = True) -> dict[str, Any] | None:
    """Recreate the source tables and append each piece's frames; returns the last piece's summary.

    ``pieces`` yields ``(tables, summary)`` (see :func:`build_parts`). ``atomic``: all in one
    transaction (the tables are replaced all at once or not at all). Otherwise each piece commits on
    its own: a transaction holds memory in proportion to what it wrote (DuckDB), so a warehouse of
    many GB is loaded piece by piece; a failure then leaves a partial warehouse, to generate again.
    """
    summary = None
    local = None
    if wh.dialect != "duckdb":
        import duckdb

        local = duckdb.connect()
    try:
        with wh.transaction():
            conn = wh.connection()
            for table in reversed(SOURCE_TABLES):
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            wh.create_source_tables()
            if atomic:
                for tables, piece_summary in pieces:
                    summary = piece_summary or summary
                    _append_all(wh, local, tables)
                return summary
        for tables, piece_summary in _ahead(pieces):
            summary = piece_summary or summary
            with wh.transaction():
                _append_all(wh, local, tables)
    finally:
        if local is not None:
            local.close()
    return summary


def _append_all(wh: Any, local: Any, tables: dict[str, SourceFrame]) -> None:
    for table in SOURCE_TABLES:
        if table in tables:
            _append(wh, local, tables[table])


def _ahead(pieces: Any):
    """Iterate ``pieces`` with the next one generated in a background thread while the caller loads
    the current one (numpy and DuckDB release the GIL for their long operations: both cores work).
    At most two pieces are in memory at once."""
    import concurrent.futures

    it = iter(pieces)
    done = object()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-gen") as pool:
        pending = pool.submit(next, it, done)
        while True:
            piece = pending.result()
            if piece is done:
                return
            pending = pool.submit(next, it, done)
            yield piece
            del piece


def _append(wh: Any, local: Any, source: SourceFrame) -> None:
    """Append one frame's rows to its table (DuckDB: scanned in place; PostgreSQL: COPY)."""
    table = source.table
    if local is None:
        conn = wh.connection()
        view = f"_outfield_demo_{table}"
        conn.register(view, source.frame)
        try:
            conn.execute(f"INSERT INTO {table} ({', '.join(SOURCE_COLUMNS[table])})\n{source.sql(view)}")
        finally:
            conn.unregister(view)
        return
    local.register("_src", source.frame)
    try:
        cur = local.execute(source.sql("_src"))
        wh.copy_rows(table, list(SOURCE_COLUMNS[table]), _fetch_batches(cur))
    finally:
        local.unregister("_src")


def _fetch_batches(cur: Any, size: int = 50_000):
    while True:
        rows = cur.fetchmany(size)
        if not rows:
            return
        yield from rows


def generate(wh: Any, *, users: int, days: int, end: dt.date, seed: int,
             trials_per_user_day: float = TRIALS_PER_USER_DAY, part_trials: int = PART_TRIALS,
             orders_per_conversion: float = 1.0) -> dict[str, Any]:
    """Write the six source tables of the spec into ``wh``, replacing what was there.

    Returns the summary: arguments, ``rows`` per table, ``defects`` (each with its ``day`` and
    ``offset_days`` relative to ``end``, or None for the dimension defects), ``stats`` and timings.
    ``trials_per_user_day`` sets how busy users are (default one trial every six days);
    ``orders_per_conversion`` how many orders a payment is split into on average (default 1: none);
    a window of more than ``part_trials`` trials is generated and appended in parts of whole days
    (see :func:`build_parts`), each committed on its own, so that memory stays bounded at any size
    (10 M users, 50 M trials: about 3 GB) and the fact tables are written in time order.
    """
    t0 = time.perf_counter()
    _validate(users, days, end, seed, trials_per_user_day, orders_per_conversion)
    if len(_part_bounds(users, days, trials_per_user_day, part_trials)) == 1:
        data = build(users=users, days=days, end=end, seed=seed, trials_per_user_day=trials_per_user_day,
                     orders_per_conversion=orders_per_conversion)
        t1 = time.perf_counter()
        load(wh, data)
        data.summary["load_seconds"] = round(time.perf_counter() - t1, 2)
        data.summary["warehouse"] = wh.dialect
        _analyze(wh)
        return data.summary
    summary = _load_pieces(wh, build_parts(users=users, days=days, end=end, seed=seed,
                                           trials_per_user_day=trials_per_user_day, part_trials=part_trials,
                                           orders_per_conversion=orders_per_conversion),
                           atomic=False)
    total = time.perf_counter() - t0
    summary["load_seconds"] = round(total - summary["build_seconds"], 2)
    summary["warehouse"] = wh.dialect
    _analyze(wh)
    return summary


def _analyze(wh: Any) -> None:
    """PostgreSQL plans the pipelines' joins as nested loops on tables it has no statistics for (76 s
    instead of 3 s for the churn list at 3 000 users): gather them right after loading."""
    if wh.dialect != "postgres":
        return
    for table in SOURCE_TABLES:
        wh.connection().execute(f"ANALYZE {table}")
