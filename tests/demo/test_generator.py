"""The synthetic demo warehouse: deterministic, schema-exact, with the documented shares and defects."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from outfield.demo import SOURCE_COLUMNS, SOURCE_TABLES, DemoError, build, generate
from outfield.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
END = dt.date(2026, 6, 10)  # a Wednesday
USERS, DAYS, SEED = 3000, 21, 7
FACT_TIME = {"fact_trial": "trial_at", "fact_txn": "created_at", "fact_order": "paid_at",
             "fact_redpacket_event": "event_at"}
PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _rows(wh: Warehouse, sql: str, **params) -> list[dict]:
    return wh.query_sql(sql, params)


def _one(wh: Warehouse, sql: str, **params):
    return next(iter(_rows(wh, sql, **params)[0].values()))


def _contents(wh: Warehouse) -> dict[str, list[tuple]]:
    out = {}
    for table in SOURCE_TABLES:
        cols = ", ".join(SOURCE_COLUMNS[table])
        out[table] = [tuple(r.values()) for r in _rows(wh, f"SELECT {cols} FROM {table} ORDER BY {cols}")]
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One small generated DuckDB warehouse shared by the read-only tests, with its summary."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Warehouse.duckdb(path) as wh:
        summary = generate(wh, users=USERS, days=DAYS, end=END, seed=SEED)
    wh = Warehouse.duckdb(path, read_only=True)
    with wh:
        yield wh, summary


def _defect(summary: dict, name: str) -> dict:
    return next(d for d in summary["defects"] if d["name"] == name)


# ------------------------------------------------------------------ determinism and schema
def test_same_seed_gives_identical_tables_and_another_seed_does_not(tmp_path):
    contents = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        with Warehouse.duckdb(tmp_path / f"{name}.duckdb") as wh:
            generate(wh, users=400, days=12, end=END, seed=seed)
            contents.append(_contents(wh))
    assert contents[0] == contents[1]
    assert contents[0]["fact_trial"] != contents[2]["fact_trial"]


def _declared_types() -> dict[str, list[tuple[str, str]]]:
    """(column, declared type) per table, read from include/sql/schema/sources.sql."""
    text = (ROOT / "include/sql/schema/sources.sql").read_text()
    tables = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);", text, flags=re.S):
        cols = [line.strip().rstrip(",") for line in body.strip().splitlines()]
        tables[name] = [(c.split()[0], re.sub(r"\s+", "", c.split(None, 1)[1])) for c in cols]
    return tables


_PG_TYPES = {"VARCHAR": "character varying", "TIMESTAMP": "timestamp without time zone",
             "DECIMAL(12,2)": "numeric(12,2)"}


def test_column_types_match_sources_sql_and_postgres_gets_the_same_rows(wh, tmp_path):
    summary = generate(wh, users=300, days=12, end=END, seed=3)
    declared = _declared_types()
    assert set(declared) == set(SOURCE_TABLES)
    for table, cols in declared.items():
        assert [c for c, _ in cols] == list(SOURCE_COLUMNS[table])
        got = _rows(wh, """
            SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns
            WHERE table_name = :t AND table_schema = current_schema() ORDER BY ordinal_position""", t=table)
        actual = []
        for r in got:
            dtype = r["data_type"]
            if dtype.upper().startswith(("DECIMAL", "NUMERIC")):
                dtype = f"{'DECIMAL' if wh.dialect == 'duckdb' else 'numeric'}({r['numeric_precision']},{r['numeric_scale']})"
            actual.append((r["column_name"], dtype))
        expected = [(c, t if wh.dialect == "duckdb" else _PG_TYPES[t]) for c, t in cols]
        assert actual == expected, table
        assert _one(wh, f"SELECT count(*) AS n FROM {table}") == summary["rows"][table]
    if wh.dialect == "postgres":  # the COPY path writes exactly what the DuckDB path writes
        with Warehouse.duckdb(tmp_path / "ref.duckdb") as ref:
            generate(ref, users=300, days=12, end=END, seed=3)
            assert _contents(wh) == _contents(ref)


def test_generate_replaces_previous_contents(tmp_path):
    with Warehouse.duckdb(tmp_path / "w.duckdb") as wh:
        generate(wh, users=500, days=12, end=END, seed=1)
        summary = generate(wh, users=200, days=3, end=END, seed=1)
        for table in SOURCE_TABLES:
            assert _one(wh, f"SELECT count(*) AS n FROM {table}") == summary["rows"][table]
        assert _one(wh, "SELECT min(trial_at) AS m FROM fact_trial") >= dt.datetime(2026, 6, 8)


@pytest.mark.parametrize("kwargs", [dict(users=10), dict(days=0), dict(seed=-1), dict(end="2026-06-10"),
                                    dict(orders_per_conversion=0.5), dict(orders_per_conversion=True)])
def test_bad_arguments_raise_demo_error(kwargs):
    args = dict(users=500, days=5, end=END, seed=1) | kwargs
    with pytest.raises(DemoError):
        build(**args)


# ------------------------------------------------------------------ content
def test_every_table_has_rows_and_every_fact_has_rows_on_end(demo):
    wh, _ = demo
    assert _one(wh, "SELECT count(*) FROM dim_user") == USERS
    assert _one(wh, "SELECT count(DISTINCT merchant_id) FROM dim_store") == 7
    for table, col in FACT_TIME.items():
        n = _one(wh, f"SELECT count(*) FROM {table} WHERE {col} >= :a AND {col} < :b",
                 a=dt.datetime(2026, 6, 10), b=dt.datetime(2026, 6, 11))
        assert n > 0, table
        lo, hi = _rows(wh, f"SELECT min({col}) AS lo, max({col}) AS hi FROM {table}")[0].values()
        assert lo >= dt.datetime(2026, 5, 21, 10) and hi < dt.datetime(2026, 6, 10, 22), table


def test_users_phones_and_activation(demo):
    wh, _ = demo
    r = _rows(wh, """SELECT count(*) AS n, count(phone) AS phones, count(bt_activated_at) AS act,
                            count(DISTINCT user_pin) AS pins,
                            count(*) FILTER (WHERE NOT regexp_matches(phone, '^1[358][0-9]{9}$')) AS bad,
                            count(*) FILTER (WHERE bt_activated_at < TIMESTAMP '2026-05-21' - INTERVAL 800 DAY) AS old
                     FROM dim_user""")[0]
    assert r["pins"] == r["n"] == USERS and r["bad"] == 0 and r["old"] == 0
    assert 0.015 < 1 - r["phones"] / r["n"] < 0.05
    assert 0.05 < 1 - r["act"] / r["n"] < 0.11
    assert _one(wh, "SELECT min(user_pin) FROM dim_user") == "U00000001"


def test_shares_within_documented_bands(demo):
    wh, summary = demo
    # trials (a duplicated trial counts once)
    reject = _one(wh, """SELECT avg(CASE WHEN result = 'reject' THEN 1.0 ELSE 0 END)
                         FROM (SELECT DISTINCT * FROM fact_trial) t""")
    assert 0.08 <= reject <= 0.12
    assert _one(wh, "SELECT count(*) FROM fact_trial WHERE result = 'reject' AND reject_reason IS NULL") == 0
    assert _one(wh, "SELECT count(*) FROM fact_trial WHERE result = 'pass' AND reject_reason IS NOT NULL") == 0
    # willingness churn, as the churn list defines it
    churn = _one(wh, """
        WITH p AS (
            SELECT t.user_pin, s.merchant_id, CAST(t.trial_at AS DATE) AS d, min(t.trial_at) AS first_pass
            FROM fact_trial t JOIN (SELECT DISTINCT shop_id, merchant_id, channel FROM dim_store) s USING (shop_id)
            WHERE t.result = 'pass' AND s.channel = 'offline' AND t.user_pin IS NOT NULL
            GROUP BY ALL)
        SELECT avg(CASE WHEN EXISTS (
                   SELECT 1 FROM fact_order o JOIN (SELECT DISTINCT shop_id, merchant_id FROM dim_store) s2
                   USING (shop_id)
                   WHERE o.user_pin = p.user_pin AND s2.merchant_id = p.merchant_id
                     AND o.paid_at >= p.first_pass AND o.paid_at < p.d + INTERVAL 1 DAY) THEN 0.0 ELSE 1 END)
        FROM p""")
    assert 0.10 <= churn <= 0.15
    # Apple's order amount at stores with a null/blank city
    share = _one(wh, """
        SELECT sum(CASE WHEN coalesce(trim(s.city), '') = '' THEN o.amount END) / sum(o.amount)
        FROM (SELECT DISTINCT * FROM fact_order) o JOIN (SELECT DISTINCT * FROM dim_store) s USING (shop_id)
        WHERE s.merchant_id = 'M_APPLE'""")
    assert 0.15 <= share <= 0.25
    assert abs(float(share) - summary["stats"]["apple_blank_city_amount_share"]) < 1e-3
    # weekends ~30 % busier
    by_dow = _rows(wh, """SELECT isodow(trial_at) >= 6 AS weekend, count(*) / count(DISTINCT CAST(trial_at AS DATE)) AS n
                          FROM fact_trial GROUP BY 1""")
    per = {r["weekend"]: r["n"] for r in by_dow}
    assert 1.15 < per[True] / per[False] < 1.45
    # multiple trials, failed/cancelled txns, orders without txn link, mostly positive margins
    r = _rows(wh, """SELECT
        (SELECT count(*) FROM (SELECT user_pin, shop_id, CAST(trial_at AS DATE) FROM fact_trial
                               GROUP BY ALL HAVING count(*) >= 2)) AS repeaters,
        (SELECT count(*) FROM fact_txn WHERE status IN ('failed', 'cancelled')) AS failed,
        (SELECT count(*) FROM fact_order WHERE txn_id IS NULL) AS unlinked,
        (SELECT avg(CASE WHEN gross_margin > 0 THEN 1.0 ELSE 0 END) FROM fact_order) AS positive""")[0]
    assert r["repeaters"] > 100 and r["failed"] > 100 and 0 < r["unlinked"] < 0.03 * summary["rows"]["fact_order"]
    assert r["positive"] > 0.85


def test_apple_blank_city_stores(demo):
    wh, summary = demo
    d = _defect(summary, "missing_city")
    rows = _rows(wh, """SELECT DISTINCT shop_id, city, address FROM dim_store
                        WHERE merchant_id = 'M_APPLE' AND coalesce(trim(city), '') = '' ORDER BY shop_id""")
    assert [r["shop_id"] for r in rows] == d["detail"]["shops"]
    assert {r["city"] for r in rows} == {None, "", "  "}
    # an address is district-only when it starts with neither a province nor a municipality
    district_only = [r["shop_id"] for r in rows
                     if not re.match(r"^(.{1,8}?(省|自治区)|北京|上海|天津|重庆)", r["address"])]
    assert district_only == d["detail"]["district_only_shops"] and 1 <= len(district_only) <= 5
    assert _one(wh, "SELECT count(DISTINCT shop_id) FROM dim_store WHERE merchant_id = 'M_APPLE'") == 171
    assert _one(wh, "SELECT count(*) FROM dim_store WHERE city = '' AND merchant_id <> 'M_APPLE'") == 0
    assert _one(wh, "SELECT count(*) FROM dim_store WHERE channel = 'online'") > 0


def test_txn_loss_day_has_more_ordering_than_transacting_users(demo):
    wh, summary = demo
    d = _defect(summary, "txn_loss")
    assert d["offset_days"] == -9 and d["day"] == "2026-06-01"
    funnel = _rows(wh, """
        WITH t AS (SELECT shop_id, CAST(created_at AS DATE) AS d, count(DISTINCT user_pin) AS n FROM fact_txn GROUP BY ALL),
             o AS (SELECT shop_id, CAST(paid_at AS DATE) AS d, count(DISTINCT user_pin) AS n FROM fact_order GROUP BY ALL),
             p AS (SELECT shop_id, CAST(trial_at AS DATE) AS d, count(DISTINCT user_pin) AS n FROM fact_trial
                   WHERE result = 'pass' GROUP BY ALL)
        SELECT coalesce(o.shop_id, t.shop_id) AS shop_id, coalesce(o.d, t.d) AS d,
               coalesce(p.n, 0) AS pass_users, coalesce(t.n, 0) AS txn_users, coalesce(o.n, 0) AS order_users
        FROM o FULL JOIN t USING (shop_id, d) LEFT JOIN p ON p.shop_id = coalesce(o.shop_id, t.shop_id)
                                                       AND p.d = coalesce(o.d, t.d)
        WHERE coalesce(o.n, 0) > coalesce(t.n, 0) OR coalesce(t.n, 0) > coalesce(p.n, 0)
        ORDER BY 1""")
    assert [r["shop_id"] for r in funnel] == d["detail"]["shops"]
    assert all(r["d"] == dt.date(2026, 6, 1) and r["order_users"] > r["txn_users"] for r in funnel)


def test_duplicates_and_bad_trial_rows(demo):
    wh, summary = demo
    dup = _defect(summary, "duplicate_rows")
    assert dup["day"] == "2026-06-05"
    for table, key, col, n in (("fact_trial", "trial_id", "trial_at", 6), ("fact_order", "order_id", "paid_at", 4)):
        rows = _rows(wh, f"""SELECT {key}, min(CAST({col} AS DATE)) AS d, count(*) AS n,
                                    count(DISTINCT ({', '.join(SOURCE_COLUMNS[table])})) AS variants
                             FROM {table} GROUP BY 1 HAVING count(*) > 1""")
        assert len(rows) == n and all(r["n"] == 2 and r["variants"] == 1 for r in rows)
        assert {r["d"] for r in rows} == {dt.date(2026, 6, 5)}
    assert _one(wh, "SELECT count(*) - count(DISTINCT shop_id) FROM dim_store") == 2
    assert _one(wh, "SELECT count(*) FROM (SELECT DISTINCT * FROM dim_store)") == summary["stores"]
    bad = _defect(summary, "bad_trial_rows")
    assert bad["day"] == "2026-06-04"
    r = _rows(wh, """SELECT count(*) FILTER (WHERE user_pin IS NULL) AS null_user,
                            count(*) FILTER (WHERE shop_id NOT IN (SELECT shop_id FROM dim_store)) AS unknown,
                            min(CAST(trial_at AS DATE)) AS lo, max(CAST(trial_at AS DATE)) AS hi
                     FROM fact_trial WHERE user_pin IS NULL OR shop_id NOT IN (SELECT shop_id FROM dim_store)""")[0]
    assert (r["null_user"], r["unknown"], r["lo"], r["hi"]) == (4, 3, dt.date(2026, 6, 4), dt.date(2026, 6, 4))
    # the last day is clean
    assert _one(wh, """SELECT count(*) FROM fact_trial WHERE trial_at >= TIMESTAMP '2026-06-10'
                       AND (user_pin IS NULL OR shop_id NOT IN (SELECT shop_id FROM dim_store))""") == 0


def test_links_between_facts_are_consistent(demo):
    wh, _ = demo
    # every txn comes from a passing trial of the same user at the same shop, minutes earlier
    assert _one(wh, """SELECT count(*) FROM fact_txn x LEFT JOIN (SELECT DISTINCT * FROM fact_trial) t USING (trial_id)
                       WHERE t.result IS DISTINCT FROM 'pass' OR t.user_pin <> x.user_pin OR t.shop_id <> x.shop_id
                          OR x.created_at < t.trial_at OR x.created_at > t.trial_at + INTERVAL 10 MINUTE
                          OR x.amount <> t.amount""") == 0
    # every linked order has its success txn (except the lost ones), same user and shop, paid after
    lost = _one(wh, """SELECT count(*) FROM fact_order o WHERE txn_id IS NOT NULL
                       AND txn_id NOT IN (SELECT txn_id FROM fact_txn)""")
    assert lost > 0
    assert _one(wh, """SELECT count(*) FROM fact_order o JOIN fact_txn x USING (txn_id)
                       WHERE x.status <> 'success' OR x.user_pin <> o.user_pin OR x.shop_id <> o.shop_id
                          OR o.paid_at < x.created_at OR o.paid_at > x.created_at + INTERVAL 5 MINUTE
                          OR o.amount > x.amount OR o.amount < 0.94 * x.amount""") == 0


def test_redpacket_funnel_is_plausible(demo):
    wh, _ = demo
    r = _rows(wh, """SELECT
        count(*) FILTER (WHERE event_type = 'scan') AS scans,
        count(*) FILTER (WHERE event_type = 'scan' AND user_pin IS NULL) AS anonymous,
        count(*) FILTER (WHERE event_type = 'claim') AS claims,
        count(*) FILTER (WHERE event_type = 'redeem') AS redeems,
        count(*) FILTER (WHERE event_type = 'claim' AND amount NOT IN (10, 20, 50)) AS bad_amount,
        count(*) FILTER (WHERE event_type = 'scan' AND (amount IS NOT NULL OR order_id IS NOT NULL)) AS bad_scan,
        count(DISTINCT shop_id) FILTER (WHERE shop_id IN (SELECT shop_id FROM dim_store
                                                          WHERE merchant_id = 'M_APPLE')) AS apple_shops,
        count(DISTINCT shop_id) AS shops,
        count(DISTINCT code_id) AS codes
        FROM fact_redpacket_event""")[0]
    assert r["scans"] > r["claims"] > r["redeems"] > 0 and r["anonymous"] > 0
    assert r["bad_amount"] == 0 and r["bad_scan"] == 0
    assert r["apple_shops"] > r["shops"] / 2 and r["codes"] >= r["shops"]
    # claims without a scan that day (shared link) exist
    assert _one(wh, """SELECT count(*) FROM fact_redpacket_event c WHERE event_type = 'claim' AND NOT EXISTS (
                           SELECT 1 FROM fact_redpacket_event s WHERE s.event_type = 'scan' AND s.user_pin = c.user_pin
                           AND s.shop_id = c.shop_id AND s.event_at <= c.event_at)""") > 0
    # every redeem: an order of that user at that shop, after a claim there, for the claimed amount
    assert _one(wh, """SELECT count(*) FROM fact_redpacket_event r
                       LEFT JOIN (SELECT DISTINCT order_id, user_pin, shop_id, paid_at FROM fact_order) o USING (order_id)
                       WHERE r.event_type = 'redeem' AND (o.order_id IS NULL OR o.user_pin <> r.user_pin
                          OR o.shop_id <> r.shop_id OR r.event_at < o.paid_at OR NOT EXISTS (
                              SELECT 1 FROM fact_redpacket_event c WHERE c.event_type = 'claim'
                              AND c.user_pin = r.user_pin AND c.shop_id = r.shop_id AND c.event_at <= o.paid_at
                              AND c.amount = r.amount))""") == 0
    # claimers go on to trial at that shop
    assert _one(wh, """SELECT count(DISTINCT c.user_pin) FROM fact_redpacket_event c JOIN fact_trial t
                       ON t.user_pin = c.user_pin AND t.shop_id = c.shop_id AND t.trial_at >= c.event_at
                       WHERE c.event_type = 'claim'""") > 50


# ------------------------------------------------------------------ CLI
def _cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env["PYTHONPATH"] = str(ROOT / "plugins")
    return subprocess.run([sys.executable, "-m", "outfield.demo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_writes_the_warehouse_and_prints_the_summary(tmp_path):
    path = tmp_path / "cli.duckdb"
    proc = _cli("--users", "500", "--days", "14", "--end", "2026-06-10", "--seed", "5", "--duckdb", str(path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for table in SOURCE_TABLES:
        assert re.search(rf"^\s+{table}\s+[\d,]+ rows$", out, flags=re.M), table
    assert "2026-06-01 (end-9)  txn_loss" in out and "missing_city" in out
    assert not PHONE_RE.search(out + proc.stderr)
    with Warehouse.duckdb(path, read_only=True) as wh:
        assert _one(wh, "SELECT count(*) FROM dim_user") == 500
        assert _one(wh, "SELECT max(CAST(trial_at AS DATE)) FROM fact_trial") == dt.date(2026, 6, 10)


@pytest.mark.parametrize("args, message", [
    (["--users", "abc"], "--users must be an integer"),
    (["--days", "0"], "--days must be from 1"),
    (["--end", "2026-02-30"], "not a calendar date"),
    (["--end", "10/06/2026"], "YYYY-MM-DD"),
    (["--schema", "s"], "--schema needs --postgres"),
    (["--duckdb", "x.duckdb", "--postgres", "host=x"], "not allowed with"),
])
def test_cli_rejects_bad_arguments(args, message, capsys):
    from outfield.demo.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and message in err and not out


def test_cli_bad_arguments_exit_non_zero_with_a_message():
    proc = _cli("--users", "5", "--end", "2026-06-10")
    assert proc.returncode == 2 and "--users must be from 100" in proc.stderr and not proc.stdout


def test_fact_users_are_the_dim_user_rows(tmp_path):
    """Every user_pin of the fact tables is a dim_user row, and nobody orders before activating Baitiao."""
    import datetime as _dt

    from outfield.demo import generate
    from outfield.warehouse import Warehouse

    with Warehouse.duckdb(tmp_path / "pins.duckdb") as wh:
        generate(wh, users=2000, days=14, end=_dt.date(2026, 6, 10), seed=3)
        orphans = wh.query_sql(
            "SELECT COUNT(*) AS n FROM fact_order o WHERE o.user_pin IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM dim_user u WHERE u.user_pin = o.user_pin)")[0]["n"]
        early = wh.query_sql(
            "SELECT COUNT(*) AS n FROM fact_order o JOIN dim_user u ON u.user_pin = o.user_pin "
            "WHERE u.bt_activated_at IS NULL OR o.paid_at < u.bt_activated_at")[0]["n"]
    assert orphans == 0
    assert early == 0


def test_split_orders_keep_each_payment_and_only_add_orders(tmp_path):
    """orders_per_conversion (the benchmark's M and L): a payment becomes several orders — same
    transaction, user, shop and category, amounts and margins adding up to the unsplit order — and
    nothing else changes. In parts (as L is generated) the ids stay unique."""
    args = dict(users=3000, days=21, end=END, seed=SEED)
    with Warehouse.duckdb(tmp_path / "one.duckdb") as one, Warehouse.duckdb(tmp_path / "split.duckdb") as split:
        base = generate(one, **args)
        summary = generate(split, **args, orders_per_conversion=3.0)
        assert summary["orders_per_conversion"] == 3.0
        assert 2.7 < summary["rows"]["fact_order"] / base["rows"]["fact_order"] < 3.3
        for t in ("dim_user", "dim_store", "fact_trial", "fact_txn"):
            assert _contents(split)[t] == _contents(one)[t], t
        assert _one(split, "SELECT COUNT(*) AS n FROM fact_order WHERE amount <= 0") == 0
        per_txn = """SELECT txn_id, MIN(user_pin) AS u, MIN(shop_id) AS s, MIN(category) AS c, MIN(paid_at) AS t,
                            COUNT(DISTINCT user_pin) + COUNT(DISTINCT shop_id) + COUNT(DISTINCT category) AS kinds,
                            SUM(amount) AS amount, SUM(gross_margin) AS margin, COUNT(*) AS n
                     FROM (SELECT DISTINCT * FROM fact_order) o WHERE txn_id IS NOT NULL GROUP BY txn_id"""
        before = {r.pop("txn_id"): r for r in _rows(one, per_txn)}
        after = {r.pop("txn_id"): r for r in _rows(split, per_txn)}
    assert set(after) == set(before)
    assert {r["n"] for r in before.values()} == {1} and max(r["n"] for r in after.values()) > 1
    assert max(r["kinds"] for r in after.values()) == 3  # one user, shop and category per payment
    for key in ("u", "s", "c", "t", "amount", "margin"):
        assert {k: r[key] for k, r in after.items()} == {k: r[key] for k, r in before.items()}, key

    with Warehouse.duckdb(tmp_path / "parts.duckdb") as parts:
        in_parts = generate(parts, **args, orders_per_conversion=3.0, part_trials=2000)
        repeated_ids = _one(parts, "SELECT COUNT(*) - COUNT(DISTINCT order_id) AS n FROM fact_order")
        exact_copies = _one(parts, "SELECT (SELECT COUNT(*) FROM fact_order) - "
                                   "(SELECT COUNT(*) FROM (SELECT DISTINCT * FROM fact_order) d) AS n")
    assert repeated_ids == exact_copies  # no two different orders share an id across the parts
    assert 2.7 < in_parts["rows"]["fact_order"] / in_parts["rows"]["fact_txn"] * base["rows"]["fact_txn"] / (
        base["rows"]["fact_order"]) < 3.3
