"""Bad input never crashes a pipeline and never reaches SQL as text.

- Params: every param of every DAG refuses injection attempts and impossible dates in the trigger
  form's schema (``Param.resolve``), and ``outfield.dates`` refuses them again at run time.
- SQL: template values must be identifiers (``Warehouse.render``); values are bound, so a campaign
  category full of quotes and semicolons is a value, never SQL text (checked on every statement run).
- Dirty source rows (negative amounts, unknown shop ids, null user_pins) are reported where a check
  covers them and never crash a step.

Malformed campaign files are tested in tests/crowd/test_campaign_files.py
(``test_broken_file_is_named_with_its_field``: every kind of mistake, each named with its field;
``test_load_all_keeps_good_files_and_reports_bad_ones``) and tests/crowd/test_crowd_dags.py
(``test_good_file_loads_next_to_broken_ones``: a broken file never breaks the other DAGs).
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from outfield import churn, crowds, dates, redpacket
from outfield.campaigns import load_campaign
from outfield.warehouse import Warehouse, WarehouseError
from tests.helpers import insert
from tests.reliability import pipelines as P
from tests.reliability.conftest import D, copy_of

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    "2026-13-45", "2026-02-30", "2026-6-1", "20260610", "2026/06/10", "",
    "2026-06-10'; DROP TABLE fact_trial; --", "2026-06-10; DELETE FROM dim_user", "' OR '1'='1",
    "2026-06-10\n", "2026-06-10 00:00:00", "{{ 7 * 7 }}", "${jndi:ldap://x}", "2026-06-10\x00",
]
HOSTILE_INTS = ["7", "7; DROP TABLE x", -1, 61, 7.5, True, None, "", [7], {"n": 7}]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    return bag


def _params(bag):
    for dag_id in sorted(bag.dag_ids):
        params = bag.dags[dag_id].params
        for name in params:
            yield dag_id, name, params.get_param(name)


def _refused(param, value) -> bool:
    from airflow.sdk.definitions.param import ParamValidationError

    try:
        copy.deepcopy(param).resolve(value)
    except ParamValidationError:
        return True
    return False


def test_every_dag_param_is_typed_and_refuses_hostile_values(dagbag):
    seen = set()
    for dag_id, name, param in _params(dagbag):
        schema = param.schema
        types = schema.get("type")
        types = set(types) if isinstance(types, list) else {types}
        if "string" in types:  # a free-text param would reach the tasks unchecked
            assert schema.get("format") == "date" and schema.get("pattern") == dates.DATE_PATTERN, (dag_id, name)
            assert not _refused(param, "2026-06-10") and not _refused(param, None)
            bad = [v for v in HOSTILE if not _refused(param, v)]
            assert bad == [], f"{dag_id}.{name} accepts {bad!r}"
        else:
            assert types == {"integer"} and "minimum" in schema and "maximum" in schema, (dag_id, name)
            assert not _refused(param, schema["minimum"]) and not _refused(param, schema["maximum"])
            bad = [v for v in HOSTILE_INTS if not _refused(param, v)]
            assert bad == [], f"{dag_id}.{name} accepts {bad!r}"
        seen.add((dag_id, name))
    assert {("churn_callback_daily", "business_date"), ("churn_callback_daily", "cooldown_days"),
            ("data_calibration_daily", "business_date"), ("campaign_crowd_c618_dandan_fan", "as_of_date")} <= seen


@pytest.mark.parametrize("value", [v for v in HOSTILE if v != ""])
def test_dates_refuse_hostile_values_at_run_time(value):
    """A value that got past the form (a REST trigger without validation, a hand-edited conf)."""
    if value == "2026-06-10\n":  # surrounding space is stripped: the value is still exactly a date
        assert dates.parse_date(value) == dt.date(2026, 6, 10)
        return
    with pytest.raises(dates.DateParamError):
        dates.parse_date(value, "business_date")
    with pytest.raises(dates.DateParamError):
        dates.business_date({"params": {"business_date": value}})
    with pytest.raises(dates.DateParamError):
        dates.as_of_date({"params": {"as_of_date": value}})


@pytest.mark.parametrize("value", ["7; DROP TABLE x", -1, 61, 7.5, True, "seven", None])
def test_cooldown_days_refused(value):
    with pytest.raises(ValueError):
        churn.validate_cooldown(value)


@pytest.mark.parametrize("bad", ["dim_user; DROP TABLE fact_trial", "fact_trial--", 'x"', "a b", "1table", "",
                                 "t" * 64, "fact_trial\n", "表"])
def test_warehouse_refuses_template_values_that_are_not_identifiers(bad, tmp_path):
    wh = Warehouse.duckdb(tmp_path / "w.duckdb")
    with pytest.raises(WarehouseError):
        wh.render("common/delete_rows.sql", table=bad, key_columns=["business_date"])
    with pytest.raises(WarehouseError):
        wh.render("common/delete_rows.sql", table="churn_daily_stats", key_columns=["business_date", bad])
    with pytest.raises(WarehouseError):
        wh.render("common/delete_rows.sql", table="churn_daily_stats", key_columns=[{"x": 1}])
    with pytest.raises(WarehouseError):
        wh.render("common/delete_rows.sql", table=1.5, key_columns=["business_date"])
    assert "DELETE FROM churn_daily_stats" in wh.render("common/delete_rows.sql", table="churn_daily_stats",
                                                        key_columns=["business_date"])


HOSTILE_CATEGORY = "手机'); DROP TABLE fact_order; --"


def test_hostile_campaign_value_is_bound_never_sql_text(clean_base, tmp_path, rel_env, monkeypatch):
    """A category with quotes and a semicolon is a legal campaign value: it travels as a bound parameter."""
    good = (ROOT / "include" / "campaigns" / "c618_dandan_fan.yaml").read_text(encoding="utf-8")
    text = good.replace("target_categories: [手机, 电脑, 平板]",
                        f'target_categories: ["{HOSTILE_CATEGORY}", 电脑]')
    assert text != good
    (tmp_path / "c618_dandan_fan.yaml").write_text(text, encoding="utf-8")
    campaign = load_campaign(tmp_path / "c618_dandan_fan.yaml")
    assert HOSTILE_CATEGORY in campaign.target_categories

    statements: list[str] = []
    run = Warehouse._run

    def spy(self, sql, params):
        statements.append(sql)
        return run(self, sql, params)

    monkeypatch.setattr(Warehouse, "_run", spy)
    path = copy_of(clean_base[0], tmp_path)
    with Warehouse.duckdb(path) as wh:
        orders = wh.query_sql("SELECT COUNT(*) AS n FROM fact_order")[0]["n"]
        hostile_city = "北京'); DROP TABLE dim_store; --"
        wh.execute("demo_defects/set_store_city.sql", {"city": hostile_city, "shop_id": "S000001"})
        summary = crowds.build(wh, campaign, D)
        churn.build(wh, D)
        assert wh.query_sql("SELECT COUNT(*) AS n FROM fact_order")[0]["n"] == orders
        assert wh.query_sql("SELECT COUNT(*) AS n FROM dim_store WHERE city = :c", {"c": hostile_city})[0]["n"] == 1
    assert summary["total_users"] > 0
    # no statement carries the hostile text; the only DROP TABLE run is the churn build's own temporary table
    assert statements and not [s for s in statements if HOSTILE_CATEGORY in s or hostile_city in s]
    drops = {s.strip().splitlines()[-1] for s in statements if "DROP TABLE" in s}
    assert drops == {"DROP TABLE IF EXISTS churn_day_pairs"}


def test_dirty_rows_are_reported_and_never_crash(clean_base, tmp_path, rel_env):
    """Negative amounts, unknown shop ids and null user_pins on D: every step of every pipeline runs."""
    t = dt.datetime.combine(D, dt.time(15, 0))
    trials = [
        {"trial_id": "TRX_NEG", "user_pin": "U00000042", "shop_id": "S000010", "trial_at": t, "amount": Decimal("-5999.00"),
         "result": "pass"},
        {"trial_id": "TRX_NOSHOP", "user_pin": "U00000043", "shop_id": "S_NO_SUCH", "trial_at": t,
         "amount": Decimal("100.00"), "result": "pass"},
        {"trial_id": "TRX_NOUSER", "user_pin": None, "shop_id": "S000010", "trial_at": t, "amount": Decimal("100.00"),
         "result": "pass"},
    ]
    txns = [{"txn_id": "TXX_NEG", "trial_id": "TRX_NEG", "user_pin": None, "shop_id": "S_NO_SUCH",
             "created_at": t, "amount": Decimal("-10.00"), "status": "success"}]
    orders = [
        {"order_id": "ODX_NEG", "txn_id": "TXX_NEG", "user_pin": None, "shop_id": "S_NO_SUCH", "paid_at": t,
         "amount": Decimal("-10.00"), "category": "手机", "gross_margin": Decimal("-99999.00")},
        {"order_id": "ODX_NEG2", "txn_id": None, "user_pin": "U00000044", "shop_id": "S000010", "paid_at": t,
         "amount": Decimal("-3000.00"), "category": "手机", "gross_margin": Decimal("-1.00")},
    ]
    events = [{"event_id": "EVX_1", "code_id": "RP_NOPE", "shop_id": "S_NO_SUCH", "user_pin": None,
               "event_type": "redeem", "event_at": t, "amount": Decimal("-20.00"), "order_id": "ODX_NEG"}]
    path = copy_of(clean_base[0], tmp_path)
    with Warehouse.duckdb(path) as wh:
        insert(wh, "fact_trial", trials)
        insert(wh, "fact_txn", txns)
        insert(wh, "fact_order", orders)
        insert(wh, "fact_redpacket_event", events)
        P.run_calibration(wh, D)
        P.run_churn(wh, D)
        P.run_crowd(wh, D + dt.timedelta(days=1))
        week = redpacket.week_of(D)[0]
        built = redpacket.build(wh, week)
        found = {(r["check_name"], r["subject"], r["metric"]): r for r in wh.query_sql(
            "SELECT * FROM dq_check_results WHERE business_date = CAST(:d AS DATE) AND status <> 'pass'", {"d": D})}
        listed = wh.query_sql("SELECT user_pin, max_trial_amount FROM churn_callback_list "
                              "WHERE business_date = CAST(:d AS DATE) AND user_pin = 'U00000042'", {"d": D})
    source_values = {(t, m): 1 for t in ("fact_trial", "fact_txn", "fact_order", "fact_redpacket_event")
                     for m in ("negative_amount_rows", "unknown_shop_rows")}
    source_values["fact_order", "negative_amount_rows"] = 2  # ODX_NEG and ODX_NEG2
    assert {k: r["value"] for k, r in found.items()} == {
        ("churn_input", "fact_trial", "trials_without_user_pin"): 1,
        ("churn_input", "fact_trial", "trials_at_unknown_shop"): 1,
        ("not_null", "fact_trial", "null_user_pin"): 1,
        ("not_null", "fact_txn", "null_user_pin"): 1,
        ("not_null", "fact_order", "null_user_pin"): 1,
        **{("source_values", t, m): n for (t, m), n in source_values.items()},
    }
    assert all(r["status"] == "warn" for r in found.values())
    assert "S_NO_SUCH" in found[("source_values", "fact_order", "unknown_shop_rows")]["detail"]
    assert built["shops"] > 0
    assert built["defects"]["events_at_unknown_shop"] == 1 and built["defects"]["claims_or_redeems_without_user"] == 1
    # The negative values are reported (source_values) and flow through as values: the passing trial of
    # -5999 is the pair's max amount on the list. A negative gross margin is legitimate (not reported).
    assert listed == [{"user_pin": "U00000042", "max_trial_amount": Decimal("-5999.00")}]
