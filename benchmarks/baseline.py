"""The pandas baseline: what an analyst's notebook computes, the same rules as the pipelines' SQL.

Each ``<step>(con, params)`` reads the tables it needs with DuckDB ``.df()`` (the day or week window
filtered at read time, dimensions whole: what a notebook would pull), then computes the step's output
with pandas merges and groupbys only (no SQL). It returns ``(result, read_seconds)``; ``result`` is
in the canonical form of ``benchmarks.pipelines.collect`` so that the benchmark can assert that both
produced the same rows. The rules follow the SQL files named in each docstring line for line
(duplicated keys counted once by the same tie-breaking order, nulls as SQL treats them).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

SEGMENTS = ("no_first_order", "inactive_90d", "inactive_target_90d", "active_target_90d")


class Reader:
    """Reads through a DuckDB connection and adds up the time spent reading."""

    def __init__(self, con: Any):
        self.con = con
        self.seconds = 0.0

    def __call__(self, sql: str, *params: Any) -> pd.DataFrame:
        t = time.perf_counter()
        df = self.con.execute(sql, list(params)).df()
        self.seconds += time.perf_counter() - t
        return df


def _day(d: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(d, dt.time())
    return start, start + dt.timedelta(days=1)


def _first(df: pd.DataFrame, key: str, order: list[str], keep_null_key: bool = False) -> pd.DataFrame:
    """One row per ``key``: the first by ``order`` (SQL ``ROW_NUMBER() ... = 1``, nulls last).

    Rows whose key is null are dropped, or all kept with ``keep_null_key`` (``rn = 1 OR key IS NULL``).
    Only the repeated keys are sorted (a notebook would not sort millions of unique rows for that).
    """
    null = df[key].isna()
    keyed = df[~null]
    rep = keyed[key].duplicated(keep=False)
    if rep.any():
        dups = keyed[rep].sort_values([key, *order], na_position="last", kind="stable")
        keyed = pd.concat([keyed[~rep], dups.drop_duplicates(key, keep="first")])
    return pd.concat([keyed, df[null]]) if keep_null_key else keyed


def _stores(stores: pd.DataFrame) -> pd.DataFrame:
    """dim_store, one row per shop_id (churn/_churned_pairs.sql ``stores``)."""
    return _first(stores, "shop_id", ["merchant_id", "store_name", "channel", "city"])


def _blank_to_null(s: pd.Series) -> pd.Series:
    """``NULLIF(TRIM(x), '')`` -> the trimmed text, None when blank (SQL TRIM removes spaces)."""
    t = s.str.strip(" ")
    return t.where(t.notna() & (t != ""), None)


# ================================================================================================ churn
def churn(con: Any, p: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """churn_callback_list and churn_daily_stats of D (include/sql/churn/*.sql)."""
    read = Reader(con)
    d = dt.date.fromisoformat(p["business_date"])
    cooldown = int(p.get("cooldown_days", 7))
    d_start, d_end = _day(d)
    hist_start = d_start - dt.timedelta(days=cooldown)
    stores = read("SELECT shop_id, store_name, merchant_id, merchant_name, channel, city FROM dim_store")
    trials = read("SELECT trial_id, user_pin, shop_id, trial_at, amount, result FROM fact_trial "
                  "WHERE trial_at >= ? AND trial_at < ?", hist_start, d_end)
    orders = read("SELECT user_pin, shop_id, paid_at FROM fact_order WHERE paid_at >= ? AND paid_at < ?",
                  hist_start, d_end)
    users = read("SELECT user_pin, phone FROM dim_user")
    cal = read("SELECT shop_id, city FROM dim_store_calibrated")

    stores = _stores(stores)
    pairs, churned = _churned_pairs(trials, orders, stores)
    day = pd.Timestamp(d)
    today = churned[churned["trial_day"] == day]
    earlier = churned.loc[churned["trial_day"] < day, ["user_pin", "merchant_id"]].drop_duplicates()
    listed = today.merge(earlier.assign(_e=True), on=["user_pin", "merchant_id"], how="left")
    listed = listed[listed["_e"].isna()].drop(columns="_e")

    u = users[users["user_pin"].notna()].copy()
    u["p"] = _blank_to_null(u["phone"])
    need = u["user_pin"].isin(listed["user_pin"])
    u = u[need].sort_values(["user_pin", "phone"], na_position="last", kind="stable")
    u = u.sort_values("p", key=lambda s: s.isna(), kind="stable").drop_duplicates("user_pin")
    listed = listed.merge(stores[["shop_id", "merchant_name", "store_name", "city"]], on="shop_id")
    listed = listed.merge(u[["user_pin", "p"]], on="user_pin", how="left")
    listed = listed.merge(cal.rename(columns={"city": "cal_city"}), on="shop_id", how="left")
    phone = listed["p"]
    masked = np.where(phone.isna(), None,
                      np.where(phone.str.len() >= 7, phone.str[:3] + "****" + phone.str[-4:], "****"))
    out = pd.DataFrame({
        "business_date": d, "user_pin": listed["user_pin"], "phone_masked": masked,
        "merchant_id": listed["merchant_id"], "merchant_name": listed["merchant_name"],
        "shop_id": listed["shop_id"], "store_name": listed["store_name"],
        "city": listed["cal_city"].where(listed["cal_city"].notna(), listed["city"]),
        "first_trial_at": listed["first_trial_at"], "trial_count": listed["n_trials"],
        "max_trial_amount": listed["max_amount"],
    })

    # churn_daily_stats: the same trials of D as the list (a trial_id first seen earlier in the window is
    # that earlier day's), pass and churned users per merchant before the cooldown
    names = stores.groupby("merchant_id")["merchant_name"].min()
    d_pairs = pairs[pairs["trial_day"] == day]
    pass_users = d_pairs.groupby("merchant_id")["user_pin"].nunique()
    lost = today.groupby("merchant_id")["user_pin"].nunique().reindex(pass_users.index, fill_value=0)
    stats = pd.DataFrame({"business_date": d, "merchant_id": pass_users.index,
                          "merchant_name": names.reindex(pass_users.index).to_numpy(),
                          "pass_users": pass_users.to_numpy(), "churned_users": lost.to_numpy(),
                          "churn_rate": (lost / pass_users).to_numpy()})
    return {"churn_callback_list": out, "churn_daily_stats": stats}, read.seconds


def _churned_pairs(trials: pd.DataFrame, orders: pd.DataFrame, stores: pd.DataFrame):
    """pairs and churned over the rows of a window (churn/_churned_pairs.sql)."""
    trials = _first(trials, "trial_id", ["trial_at", "user_pin", "shop_id", "result", "amount"])
    offline = stores.loc[stores["channel"] == "offline", ["shop_id", "merchant_id"]]
    passed = trials[(trials["result"] == "pass") & trials["user_pin"].notna()].merge(offline, on="shop_id")
    passed["trial_day"] = passed["trial_at"].dt.normalize()
    passed = passed.sort_values(["trial_day", "user_pin", "merchant_id", "trial_at", "trial_id"], kind="stable")
    keys = ["trial_day", "user_pin", "merchant_id"]
    grouped = passed.groupby(keys, sort=False)
    pairs = grouped.head(1)[[*keys, "shop_id", "trial_at"]].rename(columns={"trial_at": "first_trial_at"})
    pairs = pairs.merge(grouped.size().rename("n_trials").reset_index(), on=keys)
    pairs = pairs.merge(grouped["amount"].max().rename("max_amount").reset_index(), on=keys)

    o = orders[orders["user_pin"].notna()].merge(stores[["shop_id", "merchant_id"]], on="shop_id")
    o["trial_day"] = o["paid_at"].dt.normalize()
    m = pairs[keys + ["first_trial_at"]].merge(o[["trial_day", "user_pin", "merchant_id", "paid_at"]], on=keys)
    bought = m.loc[m["paid_at"] >= m["first_trial_at"], keys].drop_duplicates()
    churned = pairs.merge(bought.assign(_b=True), on=keys, how="left")
    return pairs, churned[churned["_b"].isna()].drop(columns="_b")


# ================================================================================================ crowd
def crowd(con: Any, p: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """crowd_membership / crowd_summary of one build (include/sql/crowd/crowd_membership.sql)."""
    read = Reader(con)
    a_start = dt.datetime.combine(dt.date.fromisoformat(p["as_of_date"]), dt.time())
    w_start = a_start - dt.timedelta(days=int(p["lookback_days"]))
    users = read("SELECT user_pin, bt_activated_at FROM dim_user")
    orders = read("SELECT order_id, user_pin, paid_at, category FROM fact_order WHERE paid_at < ?", a_start)

    act = users[users["user_pin"].notna()].groupby("user_pin")["bt_activated_at"].min()
    members = act[act < a_start].index
    o = _first(orders, "order_id", ["paid_at", "user_pin", "category"], keep_null_key=True)
    o = o[o["user_pin"].notna()]
    recent = o["paid_at"] >= w_start
    ever = pd.Index(o["user_pin"].unique())
    active = pd.Index(o.loc[recent, "user_pin"].unique())
    target = pd.Index(o.loc[recent & o["category"].isin(p["target_categories"]), "user_pin"].unique())
    segment = np.select(
        [~members.isin(ever), ~members.isin(active), ~members.isin(target)],
        list(SEGMENTS[:3]), default=SEGMENTS[3])
    membership = pd.DataFrame({"user_pin": np.asarray(members, dtype=object), "segment": segment})
    return membership_result(membership), read.seconds


def membership_result(membership: pd.DataFrame) -> dict[str, Any]:
    """Segment sizes and an order-independent digest of the (user_pin, segment) pairs."""
    counts = membership["segment"].value_counts()
    sizes = {s: int(counts.get(s, 0)) for s in SEGMENTS}
    digest = int(pd.util.hash_pandas_object(membership[["user_pin", "segment"]].astype(object), index=False)
                 .sum()) if len(membership) else 0
    return {"segment_sizes": sizes, "membership_rows": int(len(membership)), "membership_digest": digest}


# ================================================================================================ funnel
def funnel(con: Any, p: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """redpacket_funnel_weekly of week W (include/sql/redpacket/_funnel.sql, redpacket_funnel_weekly.sql)."""
    read = Reader(con)
    week = dt.date.fromisoformat(p["week_start"])
    w_start = dt.datetime.combine(week, dt.time())
    w_end = w_start + dt.timedelta(days=7)
    stores = read("SELECT shop_id, store_name, merchant_id, merchant_name, channel, city FROM dim_store")
    cal = read("SELECT shop_id, city FROM dim_store_calibrated")
    events = read("SELECT event_id, shop_id, user_pin, event_type, event_at, amount FROM fact_redpacket_event "
                  "WHERE event_at >= ? AND event_at < ?", w_start, w_end)
    trials = read("SELECT trial_id, user_pin, shop_id, trial_at, result, amount FROM fact_trial "
                  "WHERE trial_at >= ? AND trial_at < ?", w_start, w_end)
    orders = read("SELECT order_id, user_pin, shop_id, paid_at, amount FROM fact_order "
                  "WHERE paid_at >= ? AND paid_at < ?", w_start, w_end)

    stores = _stores(stores)
    ev = _first(events[events["shop_id"].notna()], "event_id",
                ["event_at", "event_type", "shop_id", "user_pin", "amount"], keep_null_key=True)
    tr = _first(trials[trials["user_pin"].notna()], "trial_id",
                ["trial_at", "user_pin", "shop_id", "result", "amount"], keep_null_key=True)
    od = _first(orders[orders["user_pin"].notna()], "order_id",
                ["paid_at", "user_pin", "shop_id", "amount"], keep_null_key=True)

    shops = pd.Index(ev.loc[ev["event_type"].isin(["scan", "claim"]), "shop_id"].unique(), name="shop_id")
    scans = ev[ev["event_type"] == "scan"].groupby("shop_id")["user_pin"].nunique()
    claimers = (ev[(ev["event_type"] == "claim") & ev["user_pin"].notna()]
                .groupby(["shop_id", "user_pin"], as_index=False)["event_at"].min()
                .rename(columns={"event_at": "claim_at"}))
    claims = claimers.groupby("shop_id").size()

    ct = claimers.merge(tr, on=["shop_id", "user_pin"])
    ct = ct[ct["trial_at"] >= ct["claim_at"]]
    trial_users = ct.groupby("shop_id")["user_pin"].nunique()
    pass_users = ct[ct["result"] == "pass"].groupby("shop_id")["user_pin"].nunique()
    co = claimers.merge(od, on=["shop_id", "user_pin"])
    co = co[co["paid_at"] >= co["claim_at"]]
    order_users = co.groupby("shop_id")["user_pin"].nunique()
    gmv = co["amount"].fillna(0).groupby(co["shop_id"]).sum()
    cr = claimers.merge(ev[ev["event_type"] == "redeem"], on=["shop_id", "user_pin"])
    cr = cr[cr["event_at"] >= cr["claim_at"]]
    redeem_users = cr.groupby("shop_id")["user_pin"].nunique()
    cost = cr["amount"].fillna(0).groupby(cr["shop_id"]).sum()

    f = pd.DataFrame(index=shops)
    for name, s in (("scan_users", scans), ("claim_users", claims), ("trial_users", trial_users),
                    ("pass_users", pass_users), ("order_users", order_users), ("redeem_users", redeem_users)):
        f[name] = s.reindex(shops, fill_value=0).astype("int64")
    f["gmv"] = gmv.reindex(shops, fill_value=0).astype(float).round(2)
    f["redpacket_cost"] = cost.reindex(shops, fill_value=0).astype(float).round(2)
    f = f.reset_index()
    calibrated = cal.groupby("shop_id")["city"].min().rename("cal_city")
    f = f.merge(stores[["shop_id", "merchant_id", "merchant_name", "store_name", "city"]], on="shop_id", how="left")
    f = f.merge(calibrated, left_on="shop_id", right_index=True, how="left")
    f["city"] = f["cal_city"].where(f["cal_city"].notna(), f["city"])

    def rate(num: str, den: str) -> pd.Series:
        return (f[num] / f[den].where(f[den] != 0)).astype(float)

    out = pd.DataFrame({"week_start": week, "merchant_id": f["merchant_id"], "merchant_name": f["merchant_name"],
                        "shop_id": f["shop_id"], "store_name": f["store_name"], "city": f["city"]})
    for c in ("scan_users", "claim_users", "trial_users", "pass_users", "order_users", "redeem_users",
              "gmv", "redpacket_cost"):
        out[c] = f[c]
    out["claim_rate"] = rate("claim_users", "scan_users")
    out["trial_rate"] = rate("trial_users", "claim_users")
    out["pass_rate"] = rate("pass_users", "trial_users")
    out["order_rate"] = rate("order_users", "pass_users")
    out["redeem_rate"] = rate("redeem_users", "order_users")
    return {"redpacket_funnel_weekly": out}, read.seconds


# ================================================================================================ calibration
FACTS = (("fact_trial", "trial_id", "trial_at", ("user_pin", "shop_id", "amount", "result")),
         ("fact_txn", "txn_id", "created_at", ("user_pin", "shop_id", "amount", "status")),
         ("fact_order", "order_id", "paid_at", ("user_pin", "shop_id", "amount", "category", "gross_margin")),
         ("fact_redpacket_event", "event_id", "event_at", ("code_id", "shop_id", "event_type")))
DIMS = (("dim_user", "user_pin", ()),
        ("dim_store", "shop_id", ("store_name", "merchant_id", "merchant_name", "channel")))


def calibration(con: Any, p: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """The values of the data-calibration checks of D (include/sql/calibration/*.sql)."""
    from outfield import cities

    read = Reader(con)
    d = dt.date.fromisoformat(p["business_date"])
    d_start, d_end = _day(d)
    w_start = d_start - dt.timedelta(days=6)
    store_rows = read("SELECT * FROM dim_store")
    user_rows = read("SELECT * FROM dim_user")
    day_rows = {t: read(f"SELECT * FROM {t} WHERE {ts} >= ? AND {ts} < ?", d_start, d_end) for t, _, ts, _ in FACTS}
    window_orders = read("SELECT order_id, shop_id, paid_at, amount, gross_margin, user_pin FROM fact_order "
                         "WHERE paid_at >= ? AND paid_at < ?", w_start, d_end)
    rows: list[tuple[str, str | None, str, float | None]] = []

    # store_city (stores_for_city.sql, cities.calibrate, unresolved_amount_share.sql)
    s = store_rows[store_rows["shop_id"].notna()].copy()
    s["city_nb"] = s["city"].where(s["city"].str.strip(" ") != "")
    s["address_nb"] = s["address"].where(s["address"].str.strip(" ") != "")
    per_shop = s.groupby("shop_id").agg(city=("city_nb", "min"), address=("address_nb", "min"))
    calibrated = pd.DataFrame([(shop, *cities.calibrate(_none(r.city), _none(r.address)))
                               for shop, r in per_shop.iterrows()], columns=["shop_id", "cal_city", "city_source"])
    stores = _stores(store_rows).merge(calibrated[["shop_id", "city_source"]], on="shop_id", how="left")
    stores["city_source"] = stores["city_source"].fillna("unresolved")
    wo = _first(window_orders, "order_id", ["paid_at", "shop_id", "amount", "gross_margin", "user_pin"],
                keep_null_key=True)
    amount = wo.groupby("shop_id").agg(amount=("amount", "sum"), orders=("amount", "size"))
    st = stores[stores["merchant_id"].notna()].merge(amount, left_on="shop_id", right_index=True, how="left")
    unres = st["city_source"] == "unresolved"
    st["unres"] = unres.astype(int)
    st["addr"] = (st["city_source"] == "address").astype(int)
    st["unres_amount"] = st["amount"].where(unres)
    per_m = st.groupby("merchant_id").agg(amount=("amount", "sum"), unresolved_amount=("unres_amount", "sum"),
                                          unresolved_stores=("unres", "sum"), address_stores=("addr", "sum"))
    for m, r in per_m.iterrows():
        share = r["unresolved_amount"] / r["amount"] if r["amount"] > 0 else None
        rows += [("store_city", m, "unresolved_amount_share", share),
                 ("store_city", m, "unresolved_stores", float(r["unresolved_stores"])),
                 ("store_city", m, "address_stores", float(r["address_stores"]))]

    # funnel_monotonic (funnel_by_shop.sql)
    tr, tx, od = day_rows["fact_trial"], day_rows["fact_txn"], day_rows["fact_order"]
    pass_u = tr[tr["result"] == "pass"].groupby("shop_id")["user_pin"].nunique()
    txn_u = tx.groupby("shop_id")["user_pin"].nunique()
    ord_u = od.groupby("shop_id")["user_pin"].nunique()
    shops = pd.Index(pd.concat([tr["shop_id"], tx["shop_id"], od["shop_id"]]).dropna().unique())
    fp, ft, fo = (x.reindex(shops, fill_value=0) for x in (pass_u, txn_u, ord_u))
    bad = ~((fp >= ft) & (ft >= fo))
    for shop in shops[bad.to_numpy()]:
        rows.append(("funnel_monotonic", shop, "stage_excess_users", float(max(ft[shop] - fp[shop], fo[shop] - ft[shop]))))
    rows.append(("funnel_monotonic", None, "shops_checked", float(len(shops))))

    # source_freshness / source_volume (rows_of_same_weekdays.sql): D's count, a repeated key once, a null key a row
    for t, key, _, _ in FACTS:
        n = float(day_rows[t][key].nunique() + day_rows[t][key].isna().sum())
        rows += [("source_freshness", t, "rows_of_day", n), ("source_volume", t, "rows_of_day", n)]

    # primary_key / not_null (key_duplicates.sql, null_counts.sql)
    checked = [(t, key, day_rows[t], req) for t, key, _, req in FACTS]
    checked += [("dim_user", "user_pin", user_rows, ()), ("dim_store", "shop_id", store_rows, DIMS[1][2])]
    for t, key, df, required in checked:
        keyed = df[df[key].notna()]
        n_per_key = keyed[key].value_counts()
        dup_rows = int((n_per_key[n_per_key > 1] - 1).sum())
        repeated = keyed[keyed[key].isin(n_per_key.index[n_per_key > 1])]
        conflicts = int((repeated.drop_duplicates().groupby(key).size() > 1).sum())
        rows += [("primary_key", t, "duplicate_rows", float(dup_rows)),
                 ("primary_key", t, "conflicting_keys", float(conflicts))]
        for c in (key, *required):
            rows.append(("not_null", t, f"null_{c}", float(df[c].isna().sum())))

    # source_values (value_defects.sql): D's rows of each fact table, every copy counted
    known = set(store_rows["shop_id"].dropna())
    for t, _, _, _ in FACTS:
        df = day_rows[t]
        unknown = df["shop_id"].notna() & ~df["shop_id"].isin(known)
        rows += [("source_values", t, "negative_amount_rows", float((df["amount"] < 0).sum())),
                 ("source_values", t, "unknown_shop_rows", float(unknown.sum()))]

    # gross_margin_floor (gross_margin_by_merchant.sql)
    gm = wo.merge(stores[["shop_id", "merchant_id"]], on="shop_id")
    margin = gm.groupby("merchant_id")["gross_margin"].sum()
    for m in sorted(stores["merchant_id"].dropna().unique()):
        rows.append(("gross_margin_floor", m, "gross_margin_7d", float(margin.get(m, 0.0))))
    return {"dq_check_results": check_frame(rows)}, read.seconds


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v


def check_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["check_name", "subject", "metric", "value"])


STEPS = {"churn": churn, "crowd": crowd, "funnel": funnel, "calibration": calibration}
